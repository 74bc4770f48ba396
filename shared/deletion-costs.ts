/**
 * Pod ranking before a scale-in: busy pods (holding work, per the workers' heartbeats) get a high
 * pod-deletion-cost and idle pods none, so the ReplicaSet removes idle pods first; busy pods also
 * carry the cluster autoscaler's safe-to-evict "false", so a node scale-down does not drain them
 * (idle pods carry neither). Then, because
 * readiness outranks cost in the ReplicaSet's order, the scale-in is limited to the pods that
 * come before the first busy one in that order: a busy pod is never among those removed.
 */
import { DELETION_COST_ANNOTATION, deletionOrder, type OrderedPod } from './kube/pod-order.js';
import { SAFE_TO_EVICT_ANNOTATION, type PodAnnotations } from './kube/scale-api.js';

export const BUSY_DELETION_COST = 1000;

export interface PodState extends OrderedPod {
  /** Images in flight on the pod; more than 0 means busy. */
  readonly inFlight: number;
  /** UID of the pod's controlling owner (its ReplicaSet), when known. */
  readonly ownerUid?: string | undefined;
}

export interface CostChange {
  readonly pod: string;
  /** The deletion cost to set, or null to remove it (idle pods carry none). */
  readonly cost: string | null;
  /** The safe-to-evict value to set ("false" while busy), or null to remove it. */
  readonly safeToEvict: string | null;
}

/** The merge patch of a change: both annotations, so they are always set and cleared together. */
export function changeAnnotations(change: CostChange): PodAnnotations {
  return { [DELETION_COST_ANNOTATION]: change.cost, [SAFE_TO_EVICT_ANNOTATION]: change.safeToEvict };
}

export interface Ranking {
  /** Annotation writes needed; pods whose annotation is already right are not written. */
  readonly changes: readonly CostChange[];
  /**
   * The lowest replica count that removes no busy pod: the pods from the first busy one on in
   * the deletion order. (A ReplicaSet scaled to N deletes `pods - N` pods from the front.)
   */
  readonly mustKeep: number;
  readonly busy: number;
  /** The pods with the annotations they will carry once `changes` are written. */
  readonly ranked: readonly PodState[];
}

export function rankPods(pods: readonly PodState[], nowMs: number): Ranking {
  const changes: CostChange[] = [];
  const ranked = pods.map((pod) => {
    const want = pod.inFlight > 0 ? String(BUSY_DELETION_COST) : null;
    const evict = pod.inFlight > 0 ? 'false' : null;
    const have = pod.annotations?.[DELETION_COST_ANNOTATION] ?? null;
    const haveEvict = pod.annotations?.[SAFE_TO_EVICT_ANNOTATION] ?? null;
    if (want !== have || evict !== haveEvict) changes.push({ pod: pod.name, cost: want, safeToEvict: evict });
    const annotations = { ...pod.annotations };
    if (want === null) delete annotations[DELETION_COST_ANNOTATION];
    else annotations[DELETION_COST_ANNOTATION] = want;
    return { ...pod, annotations };
  });
  const order = deletionOrder(ranked, nowMs);
  const firstBusy = order.findIndex((pod) => pod.inFlight > 0);
  return {
    changes,
    mustKeep: firstBusy === -1 ? 0 : order.length - firstBusy,
    busy: pods.filter((pod) => pod.inFlight > 0).length,
    ranked,
  };
}
