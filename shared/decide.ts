/**
 * The one decision path: (ledger state, Deployment, pods with their heartbeats, now) -> what to do
 * with a target. Pure; the reconcile function and the simulator's prescaler policy both call it,
 * so the simulator is driven by exactly the decision the functions make.
 *
 * The shell reads lazily, so the state may be partial and the decision says what to read next:
 * - `deployment.paused` undefined: only the scale subresource was read. When a change is planned
 *   (or the pods must be looked at) the answer is `needs: 'deployment'`, for its pause annotation.
 * - `pods` undefined: when a scale-in is due the answer is `needs: 'pods'`; with the pods (and the
 *   images each holds, from the workers' heartbeats) `rankPods` gives the deletion-cost changes and
 *   the fewest replicas that remove no busy pod, and `decide` is asked again with them.
 * With everything given up front (as the simulator does) one call gives the final decision.
 */
import type { ReconcileState } from './redis/ledger.js';
import { rankPods, type CostChange, type PodState } from './deletion-costs.js';
import { decide, type Decision, type ReconcileInput } from './decision.js';

export interface TargetState {
  readonly target: ReconcileInput['target'];
  readonly nowMs: number;
  readonly ledger: Pick<ReconcileState, 'work' | 'windowMax' | 'recentScaleIns'>;
  /** spec.replicas, and the pause annotation once the Deployment itself was read. */
  readonly deployment: { readonly replicas: number; readonly paused?: boolean | undefined };
  /** The target's pods that are not terminating, with images in flight; undefined until read. */
  readonly pods?: readonly PodState[] | undefined;
  /** False: no ranking, the ReplicaSet picks the pods to remove (the simulator's comparison). */
  readonly rank?: boolean | undefined;
}

export interface TargetDecision extends Decision {
  /** What to read before the decision is final; undefined when it is. */
  readonly needs: 'deployment' | 'pods' | undefined;
  /** pod-deletion-cost writes to make before a scale-in (empty for any other action). */
  readonly annotations: readonly CostChange[];
  /** Pods holding work, once the pods were looked at. */
  readonly busyPods: number | null;
}

export function decideTarget(state: TargetState): TargetDecision {
  const { deployment, ledger, nowMs } = state;
  const input: ReconcileInput = {
    target: state.target,
    current: deployment.replicas,
    work: ledger.work,
    nowMs,
    windowMax: ledger.windowMax,
    recentScaleIns: ledger.recentScaleIns,
    paused: deployment.paused ?? false,
  };
  const first = decide(input);
  const plain = (decision: Decision, needs?: TargetDecision['needs']): TargetDecision => ({
    ...decision,
    needs,
    annotations: [],
    busyPods: null,
  });
  const planned = first.to !== deployment.replicas || first.needsPods;
  if (deployment.paused === undefined && planned) return plain(first, 'deployment');
  if (!first.needsPods) return plain(first);
  const pods = state.pods;
  if (pods === undefined) return plain(first, 'pods');

  if (state.rank === false) {
    const busy = pods.filter((pod) => pod.inFlight > 0).length;
    return { ...decide({ ...input, mustKeep: 0, busy }), needs: undefined, annotations: [], busyPods: busy };
  }
  const ranking = rankPods(pods, nowMs);
  const held = pods.reduce((sum, pod) => sum + pod.inFlight, 0);
  const decision = decide({
    ...input,
    mustKeep: ranking.mustKeep,
    busy: ranking.busy,
    unclaimed: Math.max(0, ledger.work.outstanding - held),
  });
  return {
    ...decision,
    needs: undefined,
    annotations: decision.action === 'scale_in' ? ranking.changes : [],
    busyPods: ranking.busy,
  };
}
