/**
 * The order in which a ReplicaSet deletes pods on scale-in, as Kubernetes computes it
 * (pkg/controller/controller_utils.go, ActivePodsWithRanks.Less, LogarithmicScaleDown on).
 * Deletion-first:
 *   1. unscheduled before scheduled       5. more pods of the same owner on its node first
 *   2. Pending < Unknown < Running        6. ready more recently first (log2 buckets of age)
 *   3. not ready before ready             7. more container restarts first
 *   4. lower pod-deletion-cost first      8. newer first (log2 buckets of age)
 * Ties in the bucketed rules go to the lower UID. Pure: `nowMs` is a parameter.
 */
export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

export interface OrderedPod {
  readonly name: string;
  readonly uid: string;
  readonly nodeName?: string | undefined;
  readonly phase: string;
  readonly ready: boolean;
  /** When the Ready condition last turned true (ms), if ready. */
  readonly readySinceMs?: number | undefined;
  readonly createdMs: number;
  readonly restarts: number;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const INT32_MAX = 2 ** 31 - 1;

/** The pod's deletion cost: an int32 in decimal; missing or invalid counts as 0. */
export function deletionCost(pod: Pick<OrderedPod, 'annotations'>): number {
  const raw = pod.annotations?.[DELETION_COST_ANNOTATION];
  if (raw === undefined || !/^-?\d+$/.test(raw)) return 0;
  const value = Number(raw);
  return value >= -INT32_MAX - 1 && value <= INT32_MAX ? value : 0;
}

function log2Bucket(sinceMs: number, nowMs: number): number {
  const ns = (nowMs - sinceMs) * 1e6;
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
}

function bucketed(a: number, b: number, aUid: string, bUid: string, nowMs: number): number {
  const diff = log2Bucket(a, nowMs) - log2Bucket(b, nowMs);
  if (diff !== 0) return diff;
  return aUid < bUid ? -1 : aUid > bUid ? 1 : 0;
}

/**
 * Sorts pods deletion-first. `sameNodeCounts` maps a node name to the number of active pods of
 * the same owner on it (rule 5); it is computed from `pods` when omitted.
 */
export function deletionOrder<P extends OrderedPod>(pods: readonly P[], nowMs: number): P[] {
  const onNode = new Map<string, number>();
  for (const pod of pods) onNode.set(pod.nodeName ?? '', (onNode.get(pod.nodeName ?? '') ?? 0) + 1);
  const rank = (pod: OrderedPod) => onNode.get(pod.nodeName ?? '') ?? 0;

  return [...pods].sort((a, b) => {
    const aNode = a.nodeName ?? '';
    const bNode = b.nodeName ?? '';
    if (aNode !== bNode && (aNode === '' || bNode === '')) return aNode === '' ? -1 : 1;
    const phaseDiff = (PHASE_ORDINAL[a.phase] ?? 0) - (PHASE_ORDINAL[b.phase] ?? 0);
    if (phaseDiff !== 0) return phaseDiff;
    if (a.ready !== b.ready) return a.ready ? 1 : -1;
    const costDiff = deletionCost(a) - deletionCost(b);
    if (costDiff !== 0) return costDiff;
    if (rank(a) !== rank(b)) return rank(b) - rank(a);
    if (a.ready && b.ready && a.readySinceMs !== b.readySinceMs) {
      // A ready pod with no recorded time counts as the newest (Go's zero time sorts first).
      if (a.readySinceMs === undefined) return -1;
      if (b.readySinceMs === undefined) return 1;
      const diff = bucketed(a.readySinceMs, b.readySinceMs, a.uid, b.uid, nowMs);
      if (diff !== 0) return diff;
    }
    if (a.restarts !== b.restarts) return b.restarts - a.restarts;
    if (a.createdMs !== b.createdMs) return bucketed(a.createdMs, b.createdMs, a.uid, b.uid, nowMs);
    return 0;
  });
}
