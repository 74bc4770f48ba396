/**
 * The order in which a ReplicaSet deletes pods on scale-in: a port of `ActivePodsWithRanks.Less`
 * from kubernetes pkg/controller/controller_utils.go (v1.32, PodDeletionCost and
 * LogarithmicScaleDown on, as they are by default). Deletion-first:
 *   1. unscheduled before scheduled;
 *   2. Pending before Unknown before Running (any other phase counts as Pending);
 *   3. not ready before ready;
 *   4. lower `controller.kubernetes.io/pod-deletion-cost` first (see `deletionCost`);
 *   5. more active pods of the same owner on the pod's node first;
 *   6. both ready: the one ready more recently first;
 *   7. more container restarts first;
 *   8. newer first.
 * Rules 6 and 8 compare the base-2 logarithm of the age in nanoseconds (`now` minus the time),
 * truncated; equal buckets go to the lower UID. A missing time is Go's zero time, which
 * `afterOrZero` puts first. Pods equal by every rule keep their input order (the sort is stable;
 * Kubernetes adds no tie-break of its own). Pure: `nowMs` is a parameter.
 */
export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

export interface OrderedPod {
  readonly name: string;
  readonly uid: string;
  /** Empty or missing: not scheduled. */
  readonly nodeName?: string | undefined;
  readonly phase: string;
  readonly ready: boolean;
  /** When the Ready condition last turned true (ms), if ready; missing or NaN: unknown. */
  readonly readySinceMs?: number | undefined;
  /** The creation time (ms); missing or NaN: unknown. */
  readonly createdMs?: number | undefined;
  readonly restarts: number;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}

const PHASE_ORDINAL: ReadonlyMap<string, number> = new Map([
  ['Pending', 0],
  ['Unknown', 1],
  ['Running', 2],
]);
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The pod's deletion cost, as `helper.GetDeletionCostFromPodAnnotations` reads it: a value whose
 * first character is not `-` or a digit 1-9 (unless it is exactly "0") is invalid, so "+5" and
 * "007" are; the rest goes to `strconv.ParseInt(value, 10, 32)`, which takes an optional sign and
 * decimal digits within int32 ("-007" is -7). Missing or invalid counts as 0.
 */
export function deletionCost(pod: Pick<OrderedPod, 'annotations'>): number {
  const value = pod.annotations?.[DELETION_COST_ANNOTATION];
  if (value === undefined) return 0;
  const first = value[0];
  const validFirstDigit =
    first !== undefined && (first === '-' || value === '0' || (first >= '1' && first <= '9'));
  if (!validFirstDigit || !/^-?\d+$/.test(value)) return 0;
  const n = Number(value);
  // `| 0` turns "-0" into 0, as int32 has no negative zero.
  return n < INT32_MIN || n > INT32_MAX ? 0 : n | 0;
}

/** Go's math.Log2: Frexp, exact for powers of two, else Log(frac)*(1/Ln2) + exp. */
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
export function logarithmicRankDiff(t1Ms: number, t2Ms: number, nowMs: number): number {
  const d1 = (nowMs - t1Ms) * 1e6;
  const d2 = (nowMs - t2Ms) * 1e6;
  const r1 = d1 > 0 ? Math.trunc(log2(d1)) : -1;
  const r2 = d2 > 0 ? Math.trunc(log2(d2)) : -1;
  return r1 - r2;
}

/** A time, or undefined for Go's zero time (missing or unreadable). */
function known(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/** Rules 6 and 8 for two different times: true when `a` should be deleted before `b`. */
function newerFirst(
  a: number | undefined,
  b: number | undefined,
  uidA: string,
  uidB: string,
  nowMs: number,
): boolean {
  // afterOrZero: a zero time counts as after any other.
  if (a === undefined || b === undefined) return a === undefined;
  const diff = logarithmicRankDiff(a, b, nowMs);
  return diff === 0 ? uidA < uidB : diff < 0;
}

interface Ranked<P> {
  readonly pod: P;
  readonly node: string;
  readonly phase: number;
  readonly ready: boolean;
  readonly cost: number;
  readonly rank: number;
  readonly readySince: number | undefined;
  readonly restarts: number;
  readonly created: number | undefined;
  readonly uid: string;
}

/** `ActivePodsWithRanks.Less`: true when `a` should be deleted before `b`. */
function less<P>(a: Ranked<P>, b: Ranked<P>, nowMs: number): boolean {
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
  // 6. Been ready for empty time < less time < more time (both ready)
  if (a.ready && b.ready && a.readySince !== b.readySince) {
    return newerFirst(a.readySince, b.readySince, a.uid, b.uid, nowMs);
  }
  // 7. More restarts < fewer restarts
  if (a.restarts !== b.restarts) return a.restarts > b.restarts;
  // 8. Empty creation time < newer < older
  if (a.created !== b.created) return newerFirst(a.created, b.created, a.uid, b.uid, nowMs);
  return false;
}

/**
 * Sorts `pods` deletion-first. Rule 5's rank of a pod is the number of `related` pods on its
 * node: pass the active pods of the owner (for a ReplicaSet, `getPodsRankedByRelatedPodsOnSameNode`
 * counts the active pods of every ReplicaSet of its Deployment); it defaults to `pods`.
 */
export function deletionOrder<P extends OrderedPod>(
  pods: readonly P[],
  nowMs: number,
  related: readonly Pick<OrderedPod, 'nodeName'>[] = pods,
): P[] {
  const onNode = new Map<string, number>();
  for (const pod of related) onNode.set(pod.nodeName ?? '', (onNode.get(pod.nodeName ?? '') ?? 0) + 1);
  const items = pods.map((pod): Ranked<P> => ({
    pod,
    node: pod.nodeName ?? '',
    phase: PHASE_ORDINAL.get(pod.phase) ?? 0,
    ready: pod.ready,
    cost: deletionCost(pod),
    rank: onNode.get(pod.nodeName ?? '') ?? 0,
    readySince: pod.ready ? known(pod.readySinceMs) : undefined,
    restarts: pod.restarts,
    created: known(pod.createdMs),
    uid: pod.uid,
  }));
  items.sort((a, b) => (less(a, b, nowMs) ? -1 : less(b, a, nowMs) ? 1 : 0));
  return items.map((item) => item.pod);
}
