/** Deployment validation: the field errors the API server returns in a 422 Invalid. */
import { describe, expect, it } from '@jest/globals';
import { decodeDeployment, validateDeployment } from '../../../../../emulator/kube/registry/validation.js';
import type { Json } from '../../../../../emulator/kube/registry/patch.js';
import { deploymentBody } from '../support/fixtures.js';

const errorsOf = (change: (d: ReturnType<typeof deploymentBody>) => void) => {
  const body = deploymentBody('web', 1);
  change(body);
  return validateDeployment(decodeDeployment(body as unknown as Json)).map((e) => `${e.field}: ${e.message}`);
};

describe('validateDeployment', () => {
  it('accepts a valid Deployment', () => {
    expect(errorsOf(() => undefined)).toEqual([]);
  });

  it.each<[string, (d: ReturnType<typeof deploymentBody>) => void, string]>([
    [
      'negative replicas',
      (d) => (d.spec.replicas = -1),
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'a selector that does not match the template',
      (d) => (d.spec.selector = { matchLabels: { app: 'other' } }),
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ],
    [
      'an empty selector',
      (d) => (d.spec.selector = { matchLabels: {} }),
      'spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for deployment',
    ],
    [
      'a container without an image',
      (d) => (d.spec.template.spec.containers = [{ name: 'c', image: '' }]),
      'spec.template.spec.containers[0].image: Required value',
    ],
    ['an invalid name', (d) => (d.metadata.name = 'Not_Valid'), 'metadata.name: Invalid value: "Not_Valid"'],
  ])('names %s', (_what, change, expected) => {
    expect(errorsOf(change).some((e) => e.startsWith(expected))).toBe(true);
  });
});
