/**
 * Which pods the simulated ReplicaSet deletes first on scale-in (pkg/controller/controller_utils.go
 * `ActivePodsWithRanks`, pkg/controller/replicaset/replica_set.go `getPodsToDelete`): emulator pods
 * mapped onto the one port of `ActivePodsWithRanks.Less` (`deletionOrder` in shared/kube/pod-order.ts).
 */
import { deletionCost, deletionOrder, type OrderedPod } from '../../../shared/kube/pod-order.js';
import { parseTime, type Pod } from '../apis/objects.js';
import { isPodActive, isPodReady, maxRestarts, podReadyTime } from '../apis/pods.js';

/** `helper.GetDeletionCostFromPodAnnotations` on an emulator pod. */
export function deletionCostOf(pod: Pod): number {
  return deletionCost({ annotations: pod.metadata.annotations });
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
 * `getPodsToDelete`: the `count` active pods a ReplicaSet removes first, ranked against `related`
 * (the pods of all ReplicaSets of the same Deployment, `getIndirectlyRelatedPods`; default its
 * own). Pods already being deleted are never chosen.
 */
export function podsToDelete(
  pods: readonly Pod[],
  count: number,
  now: number,
  related: readonly Pod[] = pods,
): Pod[] {
  const active = pods.filter(isPodActive);
  if (count <= 0) return [];
  if (count >= active.length) return active;
  return rankForDeletion(active, related, now).slice(0, count);
}
