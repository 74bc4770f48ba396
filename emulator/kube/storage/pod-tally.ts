/**
 * Running pod counts per ReplicaSet and per Deployment, brought up to date by the store on every
 * pod write (added, changed, removed), so that a ReplicaSet status pass and the scheduler read
 * counts instead of walking every pod on each sync. Upstream keeps the same facts in the shared
 * informers' indexes (staging/src/k8s.io/client-go/tools/cache/shared_informer.go) and counts them
 * in calculateStatus (pkg/controller/replicaset/replica_set_utils.go); the counts here are those
 * calculateStatus would make from the same pods. A pod's share is what it added last time, so a
 * write subtracts that and adds the new one.
 */
import type { Pod } from '../apis/objects.js';
import { isPodActive, podReadyTime } from '../apis/pods.js';

/** What one pod adds to its ReplicaSet's and its Deployment's counts. */
export interface PodShare {
  /** `IsPodActive`: not finished, not being deleted. */
  readonly active: boolean;
  /** Active and carrying every label of its ReplicaSet's template (fullyLabeledReplicas). */
  readonly labeled: boolean;
  /** Active and Ready: the time it became Ready; undefined otherwise. */
  readonly readySince: number | undefined;
  /** Active and bound: its node; undefined otherwise. */
  readonly node: string | undefined;
}

/** calculateStatus's counts of one ReplicaSet's active pods (available is worked out on read). */
export interface ReplicaSetCounts {
  active: number;
  fullyLabeled: number;
  ready: number;
  /**
   * No counted pod became Ready later than this (it never goes down): once it lies minReadySeconds
   * behind, every ready pod is available without looking at each.
   */
  newestReady: number;
}

/** Active pods of one Deployment per node, for the scheduler's spreading. */
export type NodeCounts = Map<string, number>;

export const emptyCounts = (): ReplicaSetCounts => ({
  active: 0,
  fullyLabeled: 0,
  ready: 0,
  newestReady: Number.NEGATIVE_INFINITY,
});

/** Whether `labels` holds every one of `wanted`. */
function hasLabels(labels: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  for (const key in wanted) if (labels?.[key] !== wanted[key]) return false;
  return true;
}

/** The share of `pod` under a ReplicaSet whose template has `templateLabels`. */
export function shareOf(pod: Pod, templateLabels: Record<string, string> | undefined): PodShare {
  if (!isPodActive(pod)) return { active: false, labeled: false, readySince: undefined, node: undefined };
  return {
    active: true,
    labeled: hasLabels(pod.metadata.labels, templateLabels ?? {}),
    readySince: podReadyTime(pod),
    node: pod.spec.nodeName,
  };
}

function addNode(nodes: NodeCounts, node: string | undefined, sign: 1 | -1): void {
  if (node === undefined) return;
  const count = (nodes.get(node) ?? 0) + sign;
  if (count === 0) nodes.delete(node);
  else nodes.set(node, count);
}

/** Adds (sign 1) or takes away (sign -1) a share from the counts. */
export function tally(
  share: PodShare | undefined,
  sign: 1 | -1,
  counts: ReplicaSetCounts | undefined,
  nodes: NodeCounts | undefined,
): void {
  if (share === undefined || !share.active) return;
  if (counts !== undefined) {
    counts.active += sign;
    if (share.labeled) counts.fullyLabeled += sign;
    if (share.readySince !== undefined) {
      counts.ready += sign;
      if (sign > 0) counts.newestReady = Math.max(counts.newestReady, share.readySince);
    }
  }
  if (nodes !== undefined) addNode(nodes, share.node, sign);
}
