import { describe, expect, it } from '@jest/globals';
import type { Pod, PodPhase } from '../../../../emulator/kube/objects.js';
import {
  deletionCost,
  logarithmicRankDiff,
  podDeletionCostAnnotation,
  podsToDelete,
} from '../../../../emulator/kube/ranking.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString().replace('.000Z', 'Z');

interface Spec {
  readonly node?: string | null;
  readonly phase?: PodPhase;
  readonly ready?: boolean;
  /** Seconds since Ready (when ready). */
  readonly readyAgo?: number;
  readonly cost?: string;
  readonly restarts?: number;
  readonly createdAgo?: number;
  readonly uid?: string;
  readonly terminating?: boolean;
}

/** A pod of one ReplicaSet in the shape the API serves; defaults: Running, Ready for 10 minutes. */
function pod(name: string, spec: Spec = {}): Pod {
  const ready = spec.ready ?? true;
  const node = spec.node === undefined ? 'node-a' : spec.node;
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: 'ns',
      uid: spec.uid ?? `uid-${name}`,
      resourceVersion: '1',
      creationTimestamp: ago(spec.createdAgo ?? 3600),
      ...(spec.cost === undefined ? {} : { annotations: { [podDeletionCostAnnotation]: spec.cost } }),
      ...(spec.terminating ? { deletionTimestamp: ago(-30) } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(node === null ? {} : { nodeName: node }) },
    status: {
      phase: spec.phase ?? 'Running',
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastProbeTime: null,
          lastTransitionTime: ago(spec.readyAgo ?? 600),
        },
      ],
      containerStatuses: [
        {
          name: 'c',
          state: {},
          lastState: {},
          ready,
          restartCount: spec.restarts ?? 0,
          image: 'img',
          imageID: '',
          started: true,
        },
      ],
    },
  };
}

/** Scales in one pod at a time until one is left; returns the names in the order removed. */
function removalOrder(pods: Pod[]): string[] {
  const left = [...pods];
  const order: string[] = [];
  while (left.length > 1) {
    const [victim] = podsToDelete(left, 1, NOW);
    if (victim === undefined) throw new Error('no victim');
    order.push(victim.metadata.name);
    left.splice(left.indexOf(victim), 1);
  }
  order.push((left[0] as Pod).metadata.name);
  return order;
}

describe('ReplicaSet deletion order (ActivePodsWithRanks.Less), one rule per row', () => {
  it.each<[string, Pod[], string[]]>([
    [
      '1. unscheduled before scheduled',
      [
        pod('scheduled', { phase: 'Pending', ready: false }),
        pod('unscheduled', { node: null, phase: 'Pending', ready: false }),
      ],
      ['unscheduled', 'scheduled'],
    ],
    [
      '2. Pending before Unknown before Running',
      [
        pod('running', { ready: false }),
        pod('unknown', { phase: 'Unknown', ready: false }),
        pod('pending', { phase: 'Pending', ready: false }),
      ],
      ['pending', 'unknown', 'running'],
    ],
    ['3. not ready before ready', [pod('ready'), pod('not-ready', { ready: false })], ['not-ready', 'ready']],
    [
      '3. readiness outranks deletion cost: a busy pod that reports NotReady loses its protection',
      [pod('idle', { cost: '-100' }), pod('busy-not-ready', { ready: false, cost: '1000' })],
      ['busy-not-ready', 'idle'],
    ],
    [
      '4. lower pod-deletion-cost first; missing or invalid counts as 0; negatives allowed',
      [
        pod('cost-100', { cost: '100' }),
        pod('no-annotation', { createdAgo: 7200 }),
        pod('invalid-plus', { cost: '+7', createdAgo: 60 }),
        pod('cost-minus-5', { cost: '-5' }),
      ],
      ['cost-minus-5', 'invalid-plus', 'no-annotation', 'cost-100'],
    ],
    [
      '5. more pods of the owner on the same node first (ranks recomputed at each step)',
      [
        pod('a1', { node: 'node-a', createdAgo: 4000 }),
        pod('a2', { node: 'node-a', createdAgo: 2000 }),
        pod('a3', { node: 'node-a', createdAgo: 1000 }),
        pod('b1', { node: 'node-b', createdAgo: 10 }),
      ],
      ['a3', 'a2', 'b1', 'a1'],
    ],
    [
      '6. both ready: the one ready more recently first',
      [pod('ready-10m', { readyAgo: 600 }), pod('ready-1m', { readyAgo: 60 })],
      ['ready-1m', 'ready-10m'],
    ],
    [
      '6. ready times in one log2 bucket: the lower UID first',
      [pod('ready-100s', { readyAgo: 100, uid: 'bbb' }), pod('ready-101s', { readyAgo: 101, uid: 'aaa' })],
      ['ready-101s', 'ready-100s'],
    ],
    [
      '7. more container restarts first',
      [pod('no-restarts'), pod('three-restarts', { restarts: 3 })],
      ['three-restarts', 'no-restarts'],
    ],
    [
      '8. newer first',
      [pod('created-1h', { createdAgo: 3600 }), pod('created-1m', { createdAgo: 60 })],
      ['created-1m', 'created-1h'],
    ],
    [
      '8. creation times in one log2 bucket: the lower UID first',
      [
        pod('created-100s', { createdAgo: 100, uid: 'bbb' }),
        pod('created-101s', { createdAgo: 101, uid: 'aaa' }),
      ],
      ['created-101s', 'created-100s'],
    ],
  ])('%s', (_rule, pods, expected) => {
    expect(removalOrder(pods)).toEqual(expected);
  });

  it('never picks a pod that is already terminating', () => {
    const pods = [
      pod('old', { createdAgo: 9000 }),
      pod('terminating', { terminating: true, ready: false, node: null }),
    ];
    expect(podsToDelete(pods, 1, NOW).map((p) => p.metadata.name)).toEqual(['old']);
    expect(podsToDelete(pods, 5, NOW).map((p) => p.metadata.name)).toEqual(['old']);
  });

  it('counts only active pods on a node for rule 5', () => {
    const pods = [
      pod('a1', { node: 'node-a', createdAgo: 10 }),
      pod('a-gone', { node: 'node-a', terminating: true }),
      pod('b1', { node: 'node-b', createdAgo: 4000 }),
    ];
    // node-a has one active pod, like node-b, so rule 8 decides: a1 is newer.
    expect(podsToDelete(pods, 1, NOW).map((p) => p.metadata.name)).toEqual(['a1']);
  });
});

describe('pod-deletion-cost parsing (GetDeletionCostFromPodAnnotations)', () => {
  it.each([
    [undefined, 0],
    ['0', 0],
    ['-5', -5],
    ['42', 42],
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
    ['2147483648', 0],
    ['+5', 0],
    ['007', 0],
    ['', 0],
    ['1.5', 0],
    [' 5', 0],
    ['abc', 0],
    ['-', 0],
  ])('%j → %d', (value, expected) => {
    expect(deletionCost(value === undefined ? undefined : { [podDeletionCostAnnotation]: value })).toBe(
      expected,
    );
  });
});

describe('logarithmicRankDiff', () => {
  it('compares the log2 bucket of the ages in nanoseconds', () => {
    // 100 s and 101 s are both in bucket 36 (2^36 ns ≈ 68.7 s, 2^37 ns ≈ 137.4 s).
    expect(logarithmicRankDiff(NOW - 100_000, NOW - 101_000, NOW)).toBe(0);
    expect(logarithmicRankDiff(NOW - 60_000, NOW - 140_000, NOW)).toBe(-2);
    // A time at or after now is bucket -1.
    expect(logarithmicRankDiff(NOW, NOW - 1, NOW)).toBe(-1 - 19);
  });
});
