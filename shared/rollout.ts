/**
 * Which pods a scale-in of a Deployment removes when it has more than one ReplicaSet (during a
 * rollout). The Deployment controller splits the change between its active ReplicaSets in
 * proportion to their sizes, and each ReplicaSet then removes pods from its own set only, in
 * its own deletion order. Pure; a port of kubernetes (v1.32):
 *   pkg/controller/deployment/sync.go            scale()
 *   pkg/controller/deployment/util/deployment_util.go
 *        GetReplicaSetProportion, getReplicaSetFraction, MaxSurge, ResolveFenceposts, IsSaturated
 *   pkg/controller/controller_utils.go           ReplicaSetsBySizeOlder, FilterActiveReplicaSets
 *
 * With new replicas N, allowed = N + maxSurge(N) (surge percent rounded up), toAdd = allowed -
 * sum(spec.replicas of the active sets). Active sets are sorted largest first (ties: older, then
 * name); each gets round(replicas * allowed / annotated) - replicas, where `annotated` is its
 * `deployment.kubernetes.io/max-replicas` (else the Deployment's status.replicas), bounded so
 * the running total never passes toAdd; whatever is left over goes to the first (largest), never
 * below 0. With one active set it simply gets N; with a saturated new set (N replicas, all
 * available, its desired-replicas annotation N) the old ones go to 0.
 */
import { deletionOrder, type OrderedPod } from './kube/pod-order.js';
import type { ReplicaSetSizes } from './kube/scale-api.js';

export interface RolloutReplicaSet<P extends OrderedPod> extends ReplicaSetSizes {
  /** The set the Deployment's current template belongs to. */
  readonly isNew: boolean;
  /** Its active (not terminating) pods. */
  readonly pods: readonly P[];
}

export interface RolloutDeployment {
  /** RollingUpdate strategy; a Recreate Deployment does not scale its sets proportionally. */
  readonly rollingUpdate: boolean;
  /** status.replicas: pods of all its sets, the fallback for a missing max-replicas annotation. */
  readonly statusReplicas: number;
  /** spec.strategy.rollingUpdate.maxSurge (int or "25%"); undefined for Recreate. */
  readonly maxSurge: number | string | undefined;
  readonly maxUnavailable: number | string | undefined;
}

/** IntOrString against a total, as intstr.GetScaledValueFromIntOrPercent does. */
function scaled(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const percent = Number(value.replace(/%$/, ''));
  const exact = (percent * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** `MaxSurge`: the surge for `replicas` (0 for a Recreate Deployment). */
export function maxSurge(d: RolloutDeployment, replicas: number): number {
  if (!d.rollingUpdate) return 0;
  // ResolveFenceposts: both resolving to 0 sets maxUnavailable to 1; surge stays what it is.
  return scaled(d.maxSurge, replicas, true);
}

/** Go's math.Round: half away from zero. */
function round(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

type Sized = Pick<RolloutReplicaSet<OrderedPod>, 'name' | 'replicas' | 'createdMs'>;

/** ReplicaSetsByCreationTimestamp: older first; equal times, by name. */
function older(a: Sized, b: Sized): number {
  const ta = a.createdMs ?? 0;
  const tb = b.createdMs ?? 0;
  if (ta !== tb) return ta - tb;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** ReplicaSetsBySizeOlder (scaling down): larger first; equal sizes, older first. */
const bySizeOlder = (a: Sized, b: Sized): number => b.replicas - a.replicas || older(a, b);
/** ReplicaSetsBySizeNewer (scaling up): larger first; equal sizes, newer first. */
const bySizeNewer = (a: Sized, b: Sized): number => b.replicas - a.replicas || older(b, a);

/**
 * The spec.replicas each ReplicaSet gets when the Deployment is set to `replicas`, by name.
 */
export function proportionalSplit<P extends OrderedPod>(
  d: RolloutDeployment,
  sets: readonly RolloutReplicaSet<P>[],
  replicas: number,
): Map<string, number> {
  const sizes = new Map(sets.map((rs) => [rs.name, rs.replicas]));
  const active = sets.filter((rs) => rs.replicas > 0);
  if (active.length <= 1) {
    // FindActiveOrLatest: the one active set (or, with none, the newest) gets everything.
    const only = active[0] ?? [...sets].sort((a, b) => (b.createdMs ?? 0) - (a.createdMs ?? 0))[0];
    if (only) sizes.set(only.name, replicas);
    return sizes;
  }
  const newest = sets.find((rs) => rs.isNew);
  if (
    newest &&
    newest.replicas === replicas &&
    newest.desiredReplicas === replicas &&
    newest.available === replicas
  ) {
    // IsSaturated: the new set already runs them all, annotated as desired for this size (an
    // annotation still naming the size before the scale does not count); the old ones go to 0.
    for (const rs of sets) if (!rs.isNew) sizes.set(rs.name, 0);
    return sizes;
  }
  // Proportional scaling is for rolling updates; a Recreate rollout removes the old sets itself.
  if (!d.rollingUpdate) return sizes;
  const allowed = replicas > 0 ? replicas + maxSurge(d, replicas) : 0;
  const toAdd = allowed - active.reduce((sum, rs) => sum + rs.replicas, 0);
  if (toAdd === 0) return sizes;
  const sorted = [...active].sort(toAdd < 0 ? bySizeOlder : bySizeNewer);
  let added = 0;
  for (const rs of sorted) {
    let proportion = 0;
    if (rs.replicas !== 0 && toAdd !== added) {
      const fraction =
        replicas === 0
          ? -rs.replicas
          : round((rs.replicas * allowed) / (rs.maxReplicas ?? d.statusReplicas)) - rs.replicas;
      const left = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    sizes.set(rs.name, rs.replicas + proportion);
    added += proportion;
  }
  const first = sorted[0] as RolloutReplicaSet<P>;
  sizes.set(first.name, Math.max(0, (sizes.get(first.name) ?? 0) + toAdd - added));
  return sizes;
}

/**
 * The pods each ReplicaSet removes when the Deployment goes to `replicas`: from the front of its
 * own deletion order, ranked against the pods of all sets on each node (as the ReplicaSet
 * controller's getPodsRankedByRelatedPodsOnSameNode does).
 */
export function podsRemoved<P extends OrderedPod>(
  d: RolloutDeployment,
  sets: readonly RolloutReplicaSet<P>[],
  replicas: number,
  nowMs: number,
): P[] {
  const split = proportionalSplit(d, sets, replicas);
  const related = sets.flatMap((rs) => rs.pods);
  return sets.flatMap((rs) => {
    const excess = rs.pods.length - (split.get(rs.name) ?? rs.replicas);
    return excess > 0 ? deletionOrder(rs.pods, nowMs, related).slice(0, excess) : [];
  });
}

/**
 * The lowest replica count from `lowest` up to `current` whose removals contain no busy pod,
 * or `current` when there is none.
 */
export function lowestSafe<P extends OrderedPod>(
  d: RolloutDeployment,
  sets: readonly RolloutReplicaSet<P>[],
  range: { readonly lowest: number; readonly current: number },
  isBusy: (pod: P) => boolean,
  nowMs: number,
): number {
  for (let n = range.lowest; n < range.current; n++) {
    if (!podsRemoved(d, sets, n, nowMs).some(isBusy)) return n;
  }
  return range.current;
}
