/**
 * Which pods a ReplicaSet deletes first on scale-in: a port of `ActivePodsWithRanks.Less` from
 * kubernetes pkg/controller/controller_utils.go (v1.32, PodDeletionCost and LogarithmicScaleDown
 * on, as they are by default). Deletion-first order:
 *   1. unscheduled before scheduled;
 *   2. Pending before Unknown before Running;
 *   3. not ready before ready;
 *   4. lower `controller.kubernetes.io/pod-deletion-cost` first (int32 in decimal; missing or
 *      invalid counts as 0; negatives allowed);
 *   5. more active pods of the same owner on the pod's node first;
 *   6. both ready: the one ready more recently first;
 *   7. more container restarts first;
 *   8. newer first.
 * Rules 6 and 8 compare the base-2 logarithm of the age in nanoseconds (`now` minus the time),
 * truncated; equal buckets are ordered by the lower UID first.
 */
import { isPodActive, isPodReady, maxRestarts, parseTime, podReadyTime, type Pod } from './objects.js';

export const podDeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

/** `helper.GetDeletionCostFromPodAnnotations`: int32 in decimal, no `+`, no leading zeros. */
export function deletionCost(annotations: Readonly<Record<string, string>> | undefined): number {
  const value = annotations?.[podDeletionCostAnnotation];
  if (value === undefined) return 0;
  const first = value[0];
  const validFirst =
    first !== undefined &&
    (first === '-' || (first === '0' && value === '0') || (first >= '1' && first <= '9'));
  if (!validFirst || !/^-?\d+$/.test(value)) return 0;
  const n = Number(value);
  return n < -2147483648 || n > 2147483647 ? 0 : n;
}

const phaseOrdinal: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** Go's math.Log2: exact for powers of two. */
function log2(x: number): number {
  let exp = Math.floor(Math.log2(x)) + 1;
  let frac = x / 2 ** exp;
  while (frac < 0.5) {
    frac *= 2;
    exp--;
  }
  while (frac >= 1) {
    frac /= 2;
    exp++;
  }
  if (frac === 0.5) return exp - 1;
  return Math.log(frac) * (1 / Math.LN2) + exp;
}

/** `logarithmicRankDiff`: bucket of t1's age minus bucket of t2's age (ages in nanoseconds). */
export function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const d1 = (now - t1) * 1e6;
  const d2 = (now - t2) * 1e6;
  const r1 = d1 > 0 ? Math.trunc(log2(d1)) : -1;
  const r2 = d2 > 0 ? Math.trunc(log2(d2)) : -1;
  return r1 - r2;
}

/** `afterOrZero`: a missing time counts as after any other. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

interface Ranked {
  readonly pod: Pod;
  readonly rank: number;
  readonly node: string;
  readonly phase: number;
  readonly ready: boolean;
  readonly cost: number;
  readonly readyTime: number | undefined;
  readonly restarts: number;
  readonly created: number | undefined;
  readonly uid: string;
}

function ranked(pod: Pod, rank: number): Ranked {
  return {
    pod,
    rank,
    node: pod.spec.nodeName ?? '',
    phase: phaseOrdinal[pod.status.phase] ?? 0,
    ready: isPodReady(pod),
    cost: deletionCost(pod.metadata.annotations),
    readyTime: podReadyTime(pod),
    restarts: maxRestarts(pod),
    created: parseTime(pod.metadata.creationTimestamp),
    uid: pod.metadata.uid,
  };
}

/** Compares two times by rule 6/8: true when `a` should be deleted before `b`. */
function newerFirst(
  a: number | undefined,
  b: number | undefined,
  uidA: string,
  uidB: string,
  now: number,
): boolean {
  if (a === undefined || b === undefined) return afterOrZero(a, b);
  const diff = logarithmicRankDiff(a, b, now);
  if (diff === 0) return uidA < uidB;
  return diff < 0;
}

/** `ActivePodsWithRanks.Less`: true when `a` should be deleted before `b`. */
function less(a: Ranked, b: Ranked, now: number): boolean {
  // 1. Unassigned < assigned
  if (a.node !== b.node && (a.node === '' || b.node === '')) return a.node === '';
  // 2. PodPending < PodUnknown < PodRunning
  if (a.phase !== b.phase) return a.phase < b.phase;
  // 3. Not ready < ready
  if (a.ready !== b.ready) return !a.ready;
  // 4. Lower pod-deletion-cost < higher pod-deletion-cost
  if (a.cost !== b.cost) return a.cost < b.cost;
  // 5. Doubled up < not doubled up
  if (a.rank !== b.rank) return a.rank > b.rank;
  // 6. Been ready for less time < more time (both ready)
  if (a.ready && b.ready && a.readyTime !== b.readyTime) {
    return newerFirst(a.readyTime, b.readyTime, a.uid, b.uid, now);
  }
  // 7. More restarts < fewer restarts
  if (a.restarts !== b.restarts) return a.restarts > b.restarts;
  // 8. Newer < older
  if (a.created !== b.created) return newerFirst(a.created, b.created, a.uid, b.uid, now);
  return false;
}

/**
 * Orders `candidates` deletion-first. `related` are all pods of the same owner (their active ones
 * on a node make rule 5's rank); `now` is in milliseconds.
 */
export function rankForDeletion(candidates: readonly Pod[], related: readonly Pod[], now: number): Pod[] {
  const onNode = new Map<string, number>();
  for (const pod of related) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const items = candidates.map((pod) => ranked(pod, onNode.get(pod.spec.nodeName ?? '') ?? 0));
  items.sort((a, b) => (less(a, b, now) ? -1 : less(b, a, now) ? 1 : 0));
  return items.map((item) => item.pod);
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
