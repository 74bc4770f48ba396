/**
 * The Deployment controller's decisions on the sizes of its ReplicaSets, pure and time-free:
 * the rolling update (kubernetes pkg/controller/deployment/rolling.go: reconcileNewReplicaSet,
 * reconcileOldReplicaSets, cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate),
 * the Recreate rollout (recreate.go) and proportional scaling when spec.replicas changes
 * (sync.go: isScalingEvent, scale). Each writes sizes through a `Scaler`, which stores them with
 * the desired-replicas and max-replicas annotations as scaleReplicaSet does.
 */
import type { Deployment } from '../apis/objects.js';
import type { ReplicaSet } from '../apis/workloads.js';
import {
  activeSets,
  availableReplicas,
  byCreation,
  bySizeNewer,
  bySizeOlder,
  desiredReplicasOf,
  findActiveOrLatest,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  replicaSetProportion,
  specReplicas,
} from './deployment-util.js';

/**
 * Sets a set's spec.replicas; `always` also refreshes its annotations when the size is unchanged
 * (scaleReplicaSet), otherwise an equal size is no write (scaleReplicaSetAndRecordEvent).
 * Returns whether the size changed.
 */
export type Scaler = (rs: ReplicaSet, replicas: number, always?: boolean) => boolean;

/** reconcileNewReplicaSet: grows the new set within maxSurge (or shrinks it to spec.replicas). */
export function reconcileNewReplicaSet(
  all: readonly ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
  scale: Scaler,
): boolean {
  if (newRS.spec.replicas === d.spec.replicas) return false;
  if (newRS.spec.replicas > d.spec.replicas) return scale(newRS, d.spec.replicas);
  return scale(newRS, newRSNewReplicas(d, all, newRS));
}

/**
 * Takes up to `wanted` replicas off the old sets, oldest set first, at most `room(rs)` from each;
 * returns how many it took (the loop shared by cleanupUnhealthyReplicas and
 * scaleDownOldReplicaSetsForRollingUpdate).
 */
function takeFromOldest(
  oldRSs: readonly ReplicaSet[],
  wanted: number,
  room: (rs: ReplicaSet) => number,
  scale: Scaler,
): number {
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= wanted) break;
    if (rs.spec.replicas === 0 || room(rs) <= 0) continue;
    const count = Math.min(wanted - total, room(rs));
    scale(rs, rs.spec.replicas - count);
    total += count;
  }
  return total;
}

/** cleanupUnhealthyReplicas: takes unavailable replicas off the old sets, oldest set first. */
export function cleanupUnhealthyReplicas(
  oldRSs: readonly ReplicaSet[],
  maxCleanup: number,
  scale: Scaler,
): number {
  return takeFromOldest(
    oldRSs,
    maxCleanup,
    (rs) => rs.spec.replicas - (rs.status.availableReplicas ?? 0),
    scale,
  );
}

/** scaleDownOldReplicaSetsForRollingUpdate: removes available old replicas above minAvailable. */
export function scaleDownOldReplicaSetsForRollingUpdate(
  all: readonly ReplicaSet[],
  oldRSs: readonly ReplicaSet[],
  d: Deployment,
  scale: Scaler,
): number {
  const minAvailable = d.spec.replicas - maxUnavailable(d);
  const available = availableReplicas(all);
  if (available <= minAvailable) return 0;
  return takeFromOldest(oldRSs, available - minAvailable, (rs) => rs.spec.replicas, scale);
}

/** reconcileOldReplicaSets: shrinks the old sets as far as maxUnavailable allows. */
export function reconcileOldReplicaSets(
  all: readonly ReplicaSet[],
  oldRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
  scale: Scaler,
): boolean {
  if (specReplicas(oldRSs) === 0) return false;
  const minAvailable = d.spec.replicas - maxUnavailable(d);
  const newUnavailable = newRS.spec.replicas - (newRS.status.availableReplicas ?? 0);
  const maxScaledDown = specReplicas(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = cleanupUnhealthyReplicas(oldRSs, maxScaledDown, scale);
  const scaledDown = scaleDownOldReplicaSetsForRollingUpdate([...oldRSs, newRS], oldRSs, d, scale);
  return cleaned + scaledDown > 0;
}

/** rolloutRolling's scaling: up first; if nothing grew, down. True when a size changed. */
export function rollRolling(
  newRS: ReplicaSet,
  oldRSs: readonly ReplicaSet[],
  d: Deployment,
  scale: Scaler,
): boolean {
  const all = [...oldRSs, newRS];
  if (reconcileNewReplicaSet(all, newRS, d, scale)) return true;
  return reconcileOldReplicaSets(all, activeSets(oldRSs), newRS, d, scale);
}

/**
 * rolloutRecreate: every old set to 0; once `oldPodsRunning` is false, the new set to
 * spec.replicas. True when a size changed.
 */
export function rollRecreate(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
  d: Deployment,
  oldPodsRunning: boolean,
  scale: Scaler,
): boolean {
  let scaled = false;
  for (const rs of activeSets(oldRSs)) scaled = scale(rs, 0) || scaled;
  if (scaled || oldPodsRunning || newRS === undefined) return scaled;
  return scale(newRS, d.spec.replicas);
}

/** isScalingEvent: an active set's desired-replicas annotation differs from spec.replicas. */
export function isScalingEvent(d: Deployment, all: readonly ReplicaSet[]): boolean {
  return activeSets(all).some((rs) => {
    const desired = desiredReplicasOf(rs);
    return desired !== undefined && desired !== d.spec.replicas;
  });
}

/**
 * sync.go scale(): one active set takes spec.replicas; a saturated new set sends the old ones to
 * 0; otherwise (RollingUpdate) the difference to replicas + maxSurge is shared in proportion to
 * the sets' sizes, the rounding leftover going to the largest.
 */
export function scaleProportionally(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
  d: Deployment,
  scale: Scaler,
): void {
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only !== undefined) {
    if (only.spec.replicas !== d.spec.replicas) scale(only, d.spec.replicas);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const rs of activeSets(oldRSs)) scale(rs, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = activeSets(newRS === undefined ? oldRSs : [...oldRSs, newRS]);
  const allowed = d.spec.replicas > 0 ? d.spec.replicas + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of all) {
    const proportion = replicaSetProportion(rs, d, toAdd, added);
    sizes.set(rs, rs.spec.replicas + proportion);
    added += proportion;
  }
  const first = all[0];
  if (toAdd !== 0 && first !== undefined)
    sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
  for (const [rs, size] of sizes) scale(rs, size, true);
}
