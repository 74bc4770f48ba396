import { describe, expect, it } from '@jest/globals';
import type { Pod, PodPhase } from '../../../../../emulator/kube/apis/objects.js';
import { DELETION_COST_ANNOTATION } from '../../../../../shared/kube/pod-order.js';
import {
  deletionCostOf,
  podsToDelete,
  rankForDeletion,
} from '../../../../../emulator/kube/controllers/active-pods.js';

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
  readonly creationTimestamp?: string;
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
      creationTimestamp: spec.creationTimestamp ?? ago(spec.createdAgo ?? 3600),
      ...(spec.cost === undefined ? {} : { annotations: { [DELETION_COST_ANNOTATION]: spec.cost } }),
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

const names = (pods: readonly Pod[]): string[] => pods.map((p) => p.metadata.name);

// The rules themselves are tested on shared/kube/pod-order.ts; these tests check that the API
// pod's fields reach them and what the simulated ReplicaSet adds (active pods, related pods).
describe('simulated ReplicaSet scale-in (getPodsToDelete)', () => {
  it('reads every rule from the API pod: each step is decided by the next rule', () => {
    const pods = [
      pod('old', { node: 'node-b', createdAgo: 7200 }),
      pod('new', { node: 'node-e', createdAgo: 60 }),
      pod('restarts', { node: 'node-d', restarts: 3 }),
      pod('recent', { node: 'node-c', readyAgo: 60 }),
      pod('doubled', { node: 'node-b' }),
      pod('cheap', { cost: '-5' }),
      pod('not-ready', { ready: false }),
      pod('unknown', { phase: 'Unknown', ready: false }),
      pod('pending', { phase: 'Pending', ready: false }),
      pod('unscheduled', { node: null, phase: 'Pending', ready: false }),
    ];
    const expected = [
      'unscheduled', // 1. spec.nodeName
      'pending', // 2. status.phase
      'unknown', // 2.
      'not-ready', // 3. the Ready condition
      'cheap', // 4. the pod-deletion-cost annotation
      'doubled', // 5. two active pods on node-b
      'recent', // 6. the Ready condition's lastTransitionTime
      'restarts', // 7. containerStatuses[].restartCount
      'new', // 8. metadata.creationTimestamp
      'old',
    ];
    expect(removalOrder(pods)).toEqual(expected);
    expect(removalOrder([...pods].reverse())).toEqual(expected);
  });

  it('counts an unreadable creationTimestamp as the newest (Go zero time)', () => {
    const pods = [pod('created-1m', { createdAgo: 60 }), pod('no-time', { creationTimestamp: 'not a time' })];
    expect(names(podsToDelete(pods, 1, NOW))).toEqual(['no-time']);
  });

  it('removes nothing for a count of 0 or less, and every active pod for a count at or above them', () => {
    const pods = [pod('a'), pod('b', { createdAgo: 60 })];
    expect(podsToDelete(pods, 0, NOW)).toEqual([]);
    expect(podsToDelete(pods, -1, NOW)).toEqual([]);
    expect(names(podsToDelete(pods, 2, NOW))).toEqual(['a', 'b']);
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

  it('ranks rule 5 by the active related pods, candidates or not', () => {
    const candidates = [
      pod('a1', { node: 'node-a', createdAgo: 10 }),
      pod('b1', { node: 'node-b', createdAgo: 4000 }),
    ];
    const related = [
      ...candidates,
      pod('other-rs-b', { node: 'node-b' }),
      pod('other-rs-a-gone', { node: 'node-a', terminating: true }),
      pod('other-rs-a-done', { node: 'node-a', phase: 'Succeeded' }),
    ];
    expect(names(rankForDeletion(candidates, related, NOW))).toEqual(['b1', 'a1']);
    expect(names(rankForDeletion(candidates, candidates, NOW))).toEqual(['a1', 'b1']);
  });
});

describe('deletionCostOf an emulator pod', () => {
  // The full parsing table is in test/unit/shared/kube/pod-order.test.ts.
  it.each([
    [undefined, 0],
    ['-5', -5],
    ['+5', 0],
    ['007', 0],
  ])('%j → %d', (value, expected) => {
    const annotations = value === undefined ? undefined : { [DELETION_COST_ANNOTATION]: value };
    const pod = { metadata: { name: 'p', annotations } } as unknown as Pod;
    expect(deletionCostOf(pod)).toBe(expected);
  });
});
