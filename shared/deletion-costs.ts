/**
 * Pod ranking before a scale-in: busy pods (holding work, per the workers' heartbeats) get a high
 * pod-deletion-cost and idle pods none, so the ReplicaSet removes idle pods first. Then, because
 * readiness outranks cost in the ReplicaSet's order, the scale-in is limited to the pods that
 * come before the first busy one in that order: a busy pod is never among those removed.
 */
import { DELETION_COST_ANNOTATION, deletionOrder, type OrderedPod } from './kube/pod-order.js';

export const BUSY_DELETION_COST = 1000;

export interface PodState extends OrderedPod {
  /** Images in flight on the pod; more than 0 means busy. */
  readonly inFlight: number;
}

export interface CostChange {
  readonly pod: string;
  /** The annotation value to set, or null to remove it (idle pods carry none). */
  readonly cost: string | null;
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
}

export function rankPods(pods: readonly PodState[], nowMs: number): Ranking {
  const changes: CostChange[] = [];
  const ranked = pods.map((pod) => {
    const want = pod.inFlight > 0 ? String(BUSY_DELETION_COST) : null;
    const have = pod.annotations?.[DELETION_COST_ANNOTATION] ?? null;
    if (want !== have) changes.push({ pod: pod.name, cost: want });
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
  };
}
