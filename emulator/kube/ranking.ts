/**
 * Which pods the simulated ReplicaSet deletes first on scale-in: emulator pods mapped onto the
 * one port of `ActivePodsWithRanks.Less` (`deletionOrder` in shared/kube/pod-order.ts).
 */
import {
  DELETION_COST_ANNOTATION,
  deletionOrder,
  deletionCost as podCost,
  type OrderedPod,
} from '../../shared/kube/pod-order.js';
import { isPodActive, isPodReady, maxRestarts, parseTime, podReadyTime, type Pod } from './objects.js';

export const podDeletionCostAnnotation = DELETION_COST_ANNOTATION;

/** `helper.GetDeletionCostFromPodAnnotations` on a pod's annotations. */
export function deletionCost(annotations: Readonly<Record<string, string>> | undefined): number {
  return podCost({ annotations });
}

interface Ordered extends OrderedPod {
  readonly pod: Pod;
}

function ordered(pod: Pod): Ordered {
  return {
    pod,
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    nodeName: pod.spec.nodeName,
    phase: pod.status.phase,
    ready: isPodReady(pod),
    readySinceMs: podReadyTime(pod),
    createdMs: parseTime(pod.metadata.creationTimestamp),
    restarts: maxRestarts(pod),
    annotations: pod.metadata.annotations,
  };
}

/**
 * Orders `candidates` deletion-first. `related` are all pods of the same owner (their active ones
 * make rule 5's rank); `now` is in milliseconds.
 */
export function rankForDeletion(candidates: readonly Pod[], related: readonly Pod[], now: number): Pod[] {
  const relatedActive = related.filter(isPodActive).map((pod) => ({ nodeName: pod.spec.nodeName }));
  return deletionOrder(candidates.map(ordered), now, relatedActive).map((item) => item.pod);
}

/**
 * `getPodsToDelete`: the `count` active pods a ReplicaSet removes first. Pods already being
 * deleted are never chosen.
 */
export function podsToDelete(pods: readonly Pod[], count: number, now: number): Pod[] {
  const active = pods.filter(isPodActive);
  if (count <= 0) return [];
  if (count >= active.length) return active;
  return rankForDeletion(active, pods, now).slice(0, count);
}
