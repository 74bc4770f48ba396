import { describe, expect, it } from '@jest/globals';
import { BUSY_DELETION_COST, rankPods, type PodState } from '../../../shared/deletion-costs.js';
import { DELETION_COST_ANNOTATION } from '../../../shared/kube/pod-order.js';

const NOW = 1_000_000_000;
function pod(name: string, inFlight: number, over: Partial<PodState> = {}): PodState {
  return {
    name,
    uid: name,
    nodeName: `node-${name}`,
    phase: 'Running',
    ready: true,
    readySinceMs: NOW - 3_600_000,
    createdMs: NOW - 7_200_000,
    restarts: 0,
    inFlight,
    ...over,
  };
}

describe('rankPods', () => {
  it('marks busy pods expensive and writes only what changed', () => {
    const ranking = rankPods(
      [
        pod('a', 2),
        pod('b', 0),
        pod('c', 1, { annotations: { [DELETION_COST_ANNOTATION]: String(BUSY_DELETION_COST) } }),
        pod('d', 0, { annotations: { [DELETION_COST_ANNOTATION]: String(BUSY_DELETION_COST) } }),
      ],
      NOW,
    );
    expect(ranking.changes).toEqual([
      { pod: 'a', cost: '1000' },
      { pod: 'd', cost: null },
    ]);
    expect(ranking.busy).toBe(2);
    expect(ranking.mustKeep).toBe(2);
  });

  it('stops before a busy pod that is not ready, since readiness outranks cost', () => {
    const ranking = rankPods([pod('idle', 0), pod('busy-notready', 1, { ready: false })], NOW);
    expect(ranking.mustKeep).toBe(2);
  });

  it('lets every pod go when none is busy', () => {
    expect(rankPods([pod('a', 0), pod('b', 0)], NOW)).toMatchObject({ mustKeep: 0, busy: 0 });
  });
});
