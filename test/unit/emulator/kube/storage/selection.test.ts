/** One selection for lists and watches: label and field selectors, with the server's 400s. */
import { describe, expect, it } from '@jest/globals';
import type { Pod } from '../../../../../emulator/kube/apis/objects.js';
import { ApiError } from '../../../../../emulator/kube/apiserver/errors.js';
import { selectionOf } from '../../../../../emulator/kube/storage/selection.js';

const pod = (name: string, phase: Pod['status']['phase'], labels: Record<string, string>): Pod =>
  ({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, namespace: 'jobs', labels },
    spec: { containers: [], nodeName: 'n1' },
    status: { phase },
  }) as unknown as Pod;

const pods = [
  pod('a', 'Running', { app: 'web' }),
  pod('b', 'Pending', { app: 'web' }),
  pod('c', 'Running', { app: 'db' }),
];
const names = (query: string, name = '') =>
  pods.filter(selectionOf(new URLSearchParams(query), 'Pod', name).matches).map((p) => p.metadata.name);

describe('selectionOf', () => {
  it.each([
    ['', ['a', 'b', 'c']],
    ['labelSelector=app%3Dweb', ['a', 'b']],
    ['fieldSelector=status.phase%3DRunning', ['a', 'c']],
    ['fieldSelector=status.phase!%3DRunning', ['b']],
    ['labelSelector=app%3Dweb&fieldSelector=status.phase%3D%3DRunning', ['a']],
    ['fieldSelector=metadata.name%3Dc,spec.nodeName%3Dn1', ['c']],
  ])('%s selects %j', (query, expected) => {
    expect(names(query)).toEqual(expected);
  });

  it('adds the name of a request on one object', () => {
    expect(names('labelSelector=app%3Dweb', 'b')).toEqual(['b']);
  });

  it.each([
    ['labelSelector=app%20in%20(', 400],
    ['fieldSelector=spec.bogus%3Dx', 400],
    ['fieldSelector=status.phase', 400],
  ])('refuses %s with a %d', (query, code) => {
    expect(() => names(query)).toThrow(ApiError);
    expect(() => names(query)).toThrow(expect.objectContaining({ code }));
  });

  it('knows only metadata fields on Deployments', () => {
    expect(() =>
      selectionOf(new URLSearchParams('fieldSelector=status.phase%3DRunning'), 'Deployment'),
    ).toThrow('"status.phase" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });
});
