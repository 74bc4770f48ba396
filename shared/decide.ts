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
 *
 * Pods are looked at whenever replicas run (not only before a scale-in): busy pods carry the
 * deletion cost and safe-to-evict "false" while busy, and lose both when idle. With the
 * Deployment's ReplicaSets given, only pods the Deployment owns (through one of its ReplicaSets)
 * are ranked and annotated, and a scale-in during a rollout goes only as far as the Deployment
 * controller's proportional split removes no busy pod from any ReplicaSet (rollout.ts); while
 * the split cannot be predicted (a ReplicaSet is still creating or removing pods) it waits. Another
 * autoscaler on the Deployment is a conflict: no scale-in.
 */
import type { ReplicaSetInfo } from './kube/scale-api.js';
import type { ReconcileState } from './redis/ledger.js';
import { rankPods, type CostChange, type PodState } from './deletion-costs.js';
import { lowestSafe, type RolloutDeployment, type RolloutReplicaSet } from './rollout.js';
import { decide, type Decision, type ReconcileInput } from './decision.js';

export interface TargetState {
  readonly target: ReconcileInput['target'];
  readonly nowMs: number;
  readonly ledger: Pick<ReconcileState, 'work' | 'windowMax' | 'recentScaleIns'>;
  /** spec.replicas, and the pause annotation once the Deployment itself was read. */
  readonly deployment: {
    readonly replicas: number;
    readonly paused?: boolean | undefined;
    readonly uid?: string | undefined;
    /** Its strategy, for the proportional split of a scale-in during a rollout. */
    readonly rollout?: RolloutDeployment | undefined;
  };
  /** The ReplicaSets matching its selector (read with the pods); undefined: one implicit set. */
  readonly replicaSets?: readonly ReplicaSetInfo[] | undefined;
  /** Other autoscalers of the Deployment ("HorizontalPodAutoscaler/x"), read with the pods. */
  readonly conflicts?: readonly string[] | undefined;
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
  const wantsPods = first.needsPods || deployment.replicas > 0;
  const planned = first.to !== deployment.replicas || wantsPods;
  if (deployment.paused === undefined && planned) return plain(first, 'deployment');
  if (first.action === 'paused' || !wantsPods) return plain(first);
  if (state.pods === undefined) return plain(first, 'pods');
  const owned = ownedPods(state);
  if (owned === undefined) {
    const reason = 'waiting for the rollout: its ReplicaSets changed while being read';
    return plain(first.needsPods ? hold(first, deployment.replicas, reason) : first);
  }

  if (state.rank === false) {
    const busy = owned.filter((pod) => pod.inFlight > 0).length;
    const decision = first.needsPods ? decide({ ...input, mustKeep: 0, busy }) : first;
    return { ...decision, needs: undefined, annotations: [], busyPods: busy };
  }
  const ranking = rankPods(owned, nowMs);
  const done = (decision: Decision): TargetDecision => ({
    ...decision,
    needs: undefined,
    annotations: ranking.changes,
    busyPods: ranking.busy,
  });
  if (!first.needsPods) return done(first);
  if (state.conflicts !== undefined && state.conflicts.length > 0) {
    return done({
      ...hold(first, deployment.replicas, ''),
      action: 'conflict',
      reason: `${state.conflicts.join(', ')} also scales this Deployment: not scaled in (remove one of the two)`,
    });
  }
  const held = owned.reduce((sum, pod) => sum + pod.inFlight, 0);
  const checked = {
    ...input,
    busy: ranking.busy,
    unclaimed: Math.max(0, ledger.work.outstanding - held),
  };
  const sets = rolloutSets(state, ranking.ranked);
  if (sets === undefined) return done(decide({ ...checked, mustKeep: ranking.mustKeep }));
  if (sets === 'unsettled') {
    const reason = 'waiting for the rollout: a ReplicaSet is still creating or removing pods';
    return done(hold(first, deployment.replicas, reason));
  }
  const wanted = decide({ ...checked, mustKeep: 0 });
  if (wanted.action !== 'scale_in') return done(wanted);
  const safe = lowestSafe(
    deployment.rollout as RolloutDeployment,
    sets,
    { lowest: wanted.to, current: deployment.replicas },
    (pod) => pod.inFlight > 0,
    nowMs,
  );
  const decision = decide({ ...checked, mustKeep: safe });
  return done(
    safe > wanted.to
      ? {
          ...decision,
          reason: `${decision.reason}; rollout of ${sets.length} ReplicaSets: ${safe} is the lowest count whose proportional split removes no busy pod`,
        }
      : decision,
  );
}

/** No change this pass, for `reason`. */
function hold(decision: Decision, current: number, reason: string): Decision {
  return { ...decision, action: 'none', to: current, reason, needsPods: false };
}

/** The Deployment's own pods (owned by one of its ReplicaSets); undefined if the sets raced. */
function ownedPods(state: TargetState): readonly PodState[] | undefined {
  const pods = state.pods ?? [];
  if (state.replicaSets === undefined || state.deployment.uid === undefined) return pods;
  const mine = new Set(
    state.replicaSets.filter((rs) => rs.ownerUid === state.deployment.uid).map((rs) => rs.uid),
  );
  const known = new Set(state.replicaSets.map((rs) => rs.uid));
  // A pod whose ReplicaSet was not in the list: the list is older than the pods.
  if (pods.some((pod) => pod.ownerUid !== undefined && !known.has(pod.ownerUid))) return undefined;
  return pods.filter((pod) => pod.ownerUid !== undefined && mine.has(pod.ownerUid));
}

/**
 * The Deployment's active ReplicaSets with their pods, when it has more than one (a rollout);
 * undefined with one; 'unsettled' when a set's pods do not match its size yet.
 */
function rolloutSets(
  state: TargetState,
  ranked: readonly PodState[],
): Array<RolloutReplicaSet<PodState>> | 'unsettled' | undefined {
  const { replicaSets, deployment } = state;
  if (replicaSets === undefined || deployment.rollout === undefined) return undefined;
  const own = replicaSets.filter((rs) => rs.ownerUid === deployment.uid);
  const withPods = own.filter((rs) => rs.replicas > 0 || ranked.some((pod) => pod.ownerUid === rs.uid));
  if (withPods.length <= 1) return undefined;
  const newest = Math.max(...own.map((rs) => rs.revision));
  const sets = own.map((rs) => ({
    name: rs.name,
    replicas: rs.replicas,
    maxReplicas: rs.maxReplicas,
    desiredReplicas: rs.desiredReplicas,
    createdMs: rs.createdMs,
    isNew: rs.revision === newest,
    available: rs.available,
    pods: ranked.filter((pod) => pod.ownerUid === rs.uid),
  }));
  return sets.some((rs) => rs.pods.length !== rs.replicas) ? 'unsettled' : sets;
}
