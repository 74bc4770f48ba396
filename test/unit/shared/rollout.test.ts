import { describe, expect, it } from '@jest/globals';
import type { OrderedPod } from '../../../shared/kube/pod-order.js';
import {
  lowestSafe,
  podsRemoved,
  proportionalSplit,
  type RolloutReplicaSet,
} from '../../../shared/rollout.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const d = { rollingUpdate: true, statusReplicas: 8, maxSurge: '25%', maxUnavailable: '25%' };

interface Pod extends OrderedPod {
  readonly busy: boolean;
}

function pods(set: string, busy: boolean[], ageMinutes: number): Pod[] {
  return busy.map((b, i) => ({
    name: `${set}-${i}`,
    uid: `${set}-${i}`,
    nodeName: `node-${i % 2}`,
    phase: 'Running',
    ready: true,
    readySinceMs: NOW - ageMinutes * 60_000,
    createdMs: NOW - ageMinutes * 60_000,
    restarts: 0,
    busy: b,
  }));
}

function set(name: string, busy: boolean[], extra: Partial<RolloutReplicaSet<Pod>>): RolloutReplicaSet<Pod> {
  return {
    name,
    replicas: busy.length,
    pods: pods(name, busy, 30),
    isNew: false,
    available: busy.length,
    ...extra,
  };
}

describe('proportional scale-in across ReplicaSets (Deployment controller scale())', () => {
  // replicas 6, maxSurge 25 %: old set 4 idle pods, new set 3 busy + 1 idle; both annotated
  // max-replicas 8 (6 + 2), as the controller leaves them mid-rollout.
  const old = set('old', [false, false, false, false], { maxReplicas: 8, createdMs: NOW - 3_600_000 });
  const fresh = set('new', [false, true, true, true], {
    maxReplicas: 8,
    createdMs: NOW - 60_000,
    isNew: true,
    available: 1,
  });

  it('splits the reduction in proportion to the sets, leftover to the largest (older on ties)', () => {
    expect(Object.fromEntries(proportionalSplit(d, [old, fresh], 3))).toEqual({ old: 2, new: 2 });
    expect(Object.fromEntries(proportionalSplit(d, [old, fresh], 4))).toEqual({ old: 2, new: 3 });
    expect(Object.fromEntries(proportionalSplit(d, [old, fresh], 5))).toEqual({ old: 3, new: 4 });
    expect(Object.fromEntries(proportionalSplit(d, [old, fresh], 0))).toEqual({ old: 0, new: 0 });
  });

  it('going to 3 would remove a busy pod of the new set; 4 is the lowest safe count', () => {
    const removed = podsRemoved(d, [old, fresh], 3, NOW);
    expect(removed.filter((p) => p.name.startsWith('new'))).toHaveLength(2);
    expect(removed.some((p) => p.busy)).toBe(true);
    expect(lowestSafe(d, [old, fresh], { lowest: 3, current: 6 }, (p) => p.busy, NOW)).toBe(4);
    expect(podsRemoved(d, [old, fresh], 4, NOW).some((p) => p.busy)).toBe(false);
  });

  it('one active set takes the whole count; a saturated new set empties the old ones', () => {
    const idle = set('idle', [false, false], { replicas: 0, pods: [] });
    expect(Object.fromEntries(proportionalSplit(d, [old, idle], 1))).toEqual({ old: 1, idle: 0 });
    const saturated = { ...fresh, replicas: 2, available: 2, desiredReplicas: 2 };
    expect(Object.fromEntries(proportionalSplit(d, [old, saturated], 2))).toEqual({ old: 0, new: 2 });
    // IsSaturated reads the desired-replicas annotation: one still naming the size before this
    // scale (6) leaves the split proportional: allowed 2 + 1 = 3 of 8, old 4 -> 2 (round 1.5),
    // new 2 -> 1 (round 0.75); the emulator's controller splits it the same way.
    const stale = { ...saturated, desiredReplicas: 6 };
    expect(Object.fromEntries(proportionalSplit(d, [old, stale], 2))).toEqual({ old: 2, new: 1 });
  });

  it('falls back to status.replicas without the max-replicas annotation; Recreate splits nothing', () => {
    const a = set('a', [false, false, false, false, false, false], { createdMs: 1 });
    const b = set('b', [false, false], { createdMs: 2 });
    // allowed 4 + 1 = 5, toAdd -3: a round(6*5/8)=4 -> -2, b round(2*5/8)=1 -> -1.
    expect(Object.fromEntries(proportionalSplit(d, [a, b], 4))).toEqual({ a: 4, b: 1 });
    const recreate = { ...d, rollingUpdate: false };
    expect(Object.fromEntries(proportionalSplit(recreate, [a, b], 4))).toEqual({ a: 6, b: 2 });
  });
});
