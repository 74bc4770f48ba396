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

const busyMarks = ['p0', 'p5'].map((name) => ({
  pod: name,
  cost: String(BUSY_DELETION_COST),
  safeToEvict: 'false',
}));

describe('decideTarget', () => {
  it('asks for the Deployment and its pods whenever replicas run, for nothing with none', () => {
    const unread = { replicas: 10 };
    expect(decideTarget(state({ deployment: unread, outstanding: 2 })).needs).toBe('deployment');
    // Even at the desired count: busy pods are marked safe-to-evict "false" on every pass.
    expect(decideTarget(state({ deployment: unread, outstanding: 10 })).needs).toBe('deployment');
    const steady = decideTarget(state({ outstanding: 10 }));
    expect(steady).toMatchObject({ needs: 'pods', action: 'none', to: 10 });
    const idle = decideTarget(state({ deployment: { replicas: 0 }, outstanding: 0 }));
    expect(idle).toMatchObject({ needs: undefined, action: 'none', to: 0 });
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
    expect(decision.annotations).toEqual(busyMarks);
  });

  it('holds while images wait to be picked up', () => {
    // 5 outstanding, 2 held by pods: 3 unclaimed.
    const decision = decideTarget(state({ outstanding: 5, pods }));
    expect(decision).toMatchObject({ action: 'none', to: 10 });
    expect(decision.reason).toContain('3 image(s) not yet picked up');
    expect(decision.annotations).toEqual(busyMarks);
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

  describe("with the Deployment's ReplicaSets", () => {
    const deployment = {
      replicas: 8,
      paused: false,
      uid: 'd1',
      rollout: { rollingUpdate: true, statusReplicas: 8, maxSurge: '25%', maxUnavailable: '25%' },
    };
    const rs = (uid: string, replicas: number, revision: number) => ({
      name: `rs-${uid}`,
      uid,
      ownerUid: 'd1',
      replicas,
      maxReplicas: 8,
      createdMs: NOW - revision * 1000,
      revision,
      available: replicas,
    });
    // Mid-rollout (replicas 6 + surge 2): old set 4 idle pods; new set 3 busy + 1 idle.
    const owned = (prefix: string, owner: string, busy: number[]) =>
      [0, 1, 2, 3].map((i) => ({ ...pod(`${prefix}${i}`, busy.includes(i) ? 1 : 0, 60), ownerUid: owner }));
    const rolling: Partial<TargetState> = {
      deployment: { ...deployment, replicas: 6 },
      replicaSets: [rs('old', 4, 1), rs('new', 4, 2)],
      pods: [...owned('o', 'old', []), ...owned('n', 'new', [1, 2, 3])],
    };

    it('scales in only as far as the proportional split removes no busy pod', () => {
      const decision = decideTarget(
        state({
          ...rolling,
          outstanding: 3,
          ledger: {
            work: { outstanding: 3, openBatches: 1, deadlines: [] },
            windowMax: undefined,
            recentScaleIns: [],
          },
        }),
      );
      // A flat ranking would allow 3 (three busy pods). The new set is not saturated (no
      // desired-replicas annotation of 4), so 4 is split too: 5 of 8 allowed, each set rounds to
      // 3 and the leftover -1 goes to the larger-older one (rs-new, created first): it keeps 2,
      // removing a busy pod. 5 takes one idle pod of the new set.
      expect(decision).toMatchObject({ action: 'scale_in', to: 5, busyPods: 3 });
      expect(decision.reason).toContain('proportional split');
    });

    it('waits for the rollout while a ReplicaSet is still creating or removing pods', () => {
      const moving = { ...rolling, replicaSets: [rs('old', 3, 1), rs('new', 4, 2)] };
      const decision = decideTarget(state({ ...moving, outstanding: 0 }));
      expect(decision).toMatchObject({ action: 'none', to: 6 });
      expect(decision.reason).toContain('waiting for the rollout');
    });

    it('neither ranks nor annotates pods the Deployment does not own', () => {
      const stranger = { ...pod('stranger', 1, 10), ownerUid: 'someone-else' };
      const decision = decideTarget(
        state({
          deployment,
          replicaSets: [rs('only', 8, 1), { ...rs('foreign', 1, 1), ownerUid: 'd2' }],
          pods: [
            ...pods.slice(2, 10).map((p) => ({ ...p, ownerUid: 'only' })),
            { ...stranger, ownerUid: 'foreign' },
          ],
          replicas: 8,
          outstanding: 1,
        }),
      );
      expect(decision.annotations.map((a) => a.pod)).toEqual(['p5']);
      expect(decision.busyPods).toBe(1);
    });

    it('reports another autoscaler as a conflict and does not scale in', () => {
      const decision = decideTarget(
        state({ outstanding: 0, pods, conflicts: ['HorizontalPodAutoscaler/cpu'] }),
      );
      expect(decision).toMatchObject({ action: 'conflict', to: 10 });
      expect(decision.reason).toContain('HorizontalPodAutoscaler/cpu');
    });
  });
});
