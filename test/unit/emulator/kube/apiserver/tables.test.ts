import { describe, expect, it } from '@jest/globals';
import { humanDuration, podStatusReason, table } from '../../../../../emulator/kube/apiserver/tables.js';
import type { Deployment, Pod } from '../../../../../emulator/kube/apis/objects.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each([
    [-3 * S, '<invalid>'],
    [-1 * S, '0s'],
    [0, '0s'],
    [59 * S, '59s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 5 * S, '2m5s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [8 * H + 5 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D, '8d'],
    [800 * D, '2y70d'],
    [365 * 9 * D, '9y'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

const NOW = Date.parse('2025-06-01T12:00:00Z');

const deployment = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: {
    name: 'web',
    namespace: 'ns',
    uid: 'u',
    resourceVersion: '5',
    creationTimestamp: '2025-06-01T11:00:00Z',
  },
  spec: {
    replicas: 5,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
    },
  },
  status: { replicas: 5, readyReplicas: 3, updatedReplicas: 5, availableReplicas: 3 },
} as Deployment;

describe('Tables', () => {
  it('renders the real Deployment columns and a PartialObjectMetadata per row', () => {
    const t = table('deployments', [deployment], '9', NOW, 'Metadata', 'v1');
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
      'Containers',
      'Images',
      'Selector',
    ]);
    expect(t.columnDefinitions.filter((c) => c.priority === 0)).toHaveLength(5);
    expect(t.rows[0]?.cells).toEqual(['web', '3/5', 5, 3, '60m', 'c', 'nginx:1', 'app=web']);
    expect(t.rows[0]?.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: deployment.metadata,
    });
    expect(table('deployments', [deployment], '9', NOW, 'None', 'v1').rows[0]).not.toHaveProperty('object');
  });

  it('renders the real Pod columns; a terminating pod shows Terminating', () => {
    const pod: Pod = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        name: 'web-1',
        namespace: 'ns',
        uid: 'p',
        resourceVersion: '3',
        creationTimestamp: '2025-06-01T11:59:30Z',
      },
      spec: { containers: [{ name: 'c' }], nodeName: 'node-0' },
      status: {
        phase: 'Running',
        podIP: '10.8.0.2',
        containerStatuses: [
          {
            name: 'c',
            state: { running: {} },
            lastState: {},
            ready: true,
            restartCount: 2,
            image: 'i',
            imageID: '',
            started: true,
          },
        ],
      },
    };
    const t = table('pods', [pod], '9', NOW, 'Metadata', 'v1');
    expect(t.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(t.rows[0]?.cells).toEqual([
      'web-1',
      '1/1',
      'Running',
      '2',
      '30s',
      '10.8.0.2',
      'node-0',
      '<none>',
      '<none>',
    ]);
    expect(
      podStatusReason({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2025-06-01T12:00:30Z' } }),
    ).toBe('Terminating');
    const creating: Pod = {
      ...pod,
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'c',
            state: { waiting: { reason: 'ContainerCreating' } },
            lastState: {},
            ready: false,
            restartCount: 0,
            image: 'i',
            imageID: '',
            started: false,
          },
        ],
      },
    };
    expect(podStatusReason(creating)).toBe('ContainerCreating');
  });
});
