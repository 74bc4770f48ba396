import { describe, expect, it } from '@jest/globals';
import { decideTarget, type TargetState } from '../../../shared/decide.js';
import { BUSY_DELETION_COST, type PodState } from '../../../shared/deletion-costs.js';
import { target } from '../../support/scale-in.js';

const NOW = 10_000_000;

function pod(name: string, inFlight: number, ageSeconds: number): PodState {
  return {
    name,
    uid: name,
    nodeName: 'node',
    phase: 'Running',
    ready: true,
    readySinceMs: NOW - ageSeconds * 1000,
    createdMs: NOW - ageSeconds * 1000,
    restarts: 0,
    inFlight,
  };
}

function state(over: Partial<TargetState> & { outstanding?: number; replicas?: number }): TargetState {
  const { outstanding = 0, replicas = 10, ...rest } = over;
  return {
    target,
    nowMs: NOW,
    ledger: {
      work: { outstanding, openBatches: outstanding > 0 ? 1 : 0, deadlines: [] },
      windowMax: undefined,
      recentScaleIns: [],
    },
    deployment: { replicas, paused: false },
    ...rest,
  };
}

// Ten pods, the youngest first in the ReplicaSet's deletion order; p0 (youngest) and p5 busy.
const pods = Array.from({ length: 10 }, (_, i) => pod(`p${i}`, i === 0 || i === 5 ? 1 : 0, 100 + i));

describe('decideTarget', () => {
  it('asks for the Deployment before a planned change, and for nothing when none is planned', () => {
    const unread = { replicas: 10 };
    expect(decideTarget(state({ deployment: unread, outstanding: 2 })).needs).toBe('deployment');
    const steady = decideTarget(state({ deployment: unread, outstanding: 10 }));
    expect(steady).toMatchObject({ needs: undefined, action: 'none', to: 10 });
  });

  it('leaves a paused Deployment alone, pods unread', () => {
    const decision = decideTarget(state({ deployment: { replicas: 10, paused: true }, outstanding: 2 }));
    expect(decision).toMatchObject({ action: 'paused', to: 10, needs: undefined, busyPods: null });
  });

  it('asks for the pods when a scale-in is due', () => {
    expect(decideTarget(state({ outstanding: 0 })).needs).toBe('pods');
  });

  it('scales in by the step policy, marks busy pods and keeps every pod from the first busy one', () => {
    // Work 2 wants 2; the Pods policy allows 10 -> 6. The youngest pod (p0) is busy and would go
    // first; ranked, its cost moves it (and p5) behind the 8 idle pods, so 6 removes no busy pod.
    const decision = decideTarget(state({ outstanding: 2, pods }));
    expect(decision).toMatchObject({ action: 'scale_in', to: 6, desired: 2, busyPods: 2, needs: undefined });
    expect(decision.annotations).toEqual([
      { pod: 'p0', cost: String(BUSY_DELETION_COST) },
      { pod: 'p5', cost: String(BUSY_DELETION_COST) },
    ]);
  });

  it('holds while images wait to be picked up', () => {
    // 5 outstanding, 2 held by pods: 3 unclaimed.
    const decision = decideTarget(state({ outstanding: 5, pods }));
    expect(decision).toMatchObject({ action: 'none', to: 10 });
    expect(decision.reason).toContain('3 image(s) not yet picked up');
    expect(decision.annotations).toEqual([]);
  });

  it('with the ranking off trusts the ReplicaSet: no annotations, no busy floor', () => {
    const decision = decideTarget(state({ outstanding: 5, pods, rank: false }));
    expect(decision).toMatchObject({ action: 'scale_in', to: 6, busyPods: 2, annotations: [] });
  });

  it('reaches a final answer in one call when everything is given, as after the staged reads', () => {
    const full = state({ outstanding: 2, pods });
    expect(decideTarget({ ...full, deployment: { replicas: 10 }, pods: undefined }).needs).toBe('deployment');
    expect(decideTarget({ ...full, pods: undefined }).needs).toBe('pods');
    expect(decideTarget(full)).toMatchObject({ needs: undefined, action: 'scale_in', to: 6 });
  });
});
