/**
 * The Deployment controller's arithmetic on ReplicaSets, pure and time-free (kubernetes
 * pkg/controller/deployment/util/deployment_util.go: ResolveFenceposts, MaxSurge, MaxUnavailable,
 * NewRSNewReplicas, FindActiveOrLatest, IsSaturated, GetReplicaSetProportion,
 * getReplicaSetFraction, the desired-replicas / max-replicas / revision annotations;
 * pkg/controller/controller_utils.go: FilterActiveReplicaSets, ReplicaSetsByCreationTimestamp,
 * ReplicaSetsBySizeOlder, ReplicaSetsBySizeNewer; staging/src/k8s.io/apimachinery/pkg/util/intstr
 * GetScaledValueFromIntOrPercent).
 */
import { parseTime, type Deployment, type PodTemplate } from '../apis/objects.js';
import type { ReplicaSet } from '../apis/workloads.js';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';

type IntOrString = number | string | undefined;

interface Strategy {
  type?: string;
  rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString };
}

function strategyOf(d: Deployment): Strategy {
  return (d.spec.strategy as Strategy | undefined) ?? {};
}

export function isRollingUpdate(d: Deployment): boolean {
  return (strategyOf(d).type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** GetScaledValueFromIntOrPercent: an int as is, a percent of `total` rounded up or down. */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const exact = (Number(value.replace(/%$/, '')) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** ResolveFenceposts: [maxSurge, maxUnavailable] for `desired`; both 0 makes maxUnavailable 1. */
export function resolveFenceposts(d: Deployment, desired: number): [number, number] {
  const rolling = strategyOf(d).rollingUpdate ?? {};
  const surge = scaledValue(rolling.maxSurge ?? '25%', desired, true);
  const unavailable = scaledValue(rolling.maxUnavailable ?? '25%', desired, false);
  return surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable];
}

/** MaxSurge: 0 unless RollingUpdate. */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d, d.spec.replicas)[0] : 0;
}

/** MaxUnavailable: 0 unless RollingUpdate with replicas; never more than replicas. */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || d.spec.replicas === 0) return 0;
  return Math.min(resolveFenceposts(d, d.spec.replicas)[1], d.spec.replicas);
}

/** GetReplicaCountForReplicaSets: the sum of spec.replicas. */
export const specReplicas = (sets: readonly ReplicaSet[]): number =>
  sets.reduce((sum, rs) => sum + rs.spec.replicas, 0);

/** GetAvailableReplicaCountForReplicaSets. */
export const availableReplicas = (sets: readonly ReplicaSet[]): number =>
  sets.reduce((sum, rs) => sum + (rs.status.availableReplicas ?? 0), 0);

/** FilterActiveReplicaSets: the sets with spec.replicas > 0. */
export const activeSets = (sets: readonly ReplicaSet[]): ReplicaSet[] =>
  sets.filter((rs) => rs.spec.replicas > 0);

/** ReplicaSetsByCreationTimestamp: older first; equal times, by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: larger first; equal sizes, older first. */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet): number =>
  b.spec.replicas - a.spec.replicas || byCreation(a, b);

/** ReplicaSetsBySizeNewer: larger first; equal sizes, newer first. */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet): number =>
  b.spec.replicas - a.spec.replicas || byCreation(b, a);

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const text = rs.metadata.annotations?.[key];
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}

export const revisionOf = (rs: ReplicaSet): number => intAnnotation(rs, revisionAnnotation) ?? 0;
export const desiredReplicasOf = (rs: ReplicaSet): number | undefined =>
  intAnnotation(rs, desiredReplicasAnnotation);

/** MaxRevision of the sets (0 when none has one). */
export const maxRevision = (sets: readonly ReplicaSet[]): number =>
  sets.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);

/** NewRSNewReplicas: the size the new set may grow to now. */
export function newRSNewReplicas(d: Deployment, all: readonly ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return d.spec.replicas;
  const current = specReplicas(all);
  const maxTotal = d.spec.replicas + maxSurge(d);
  if (current >= maxTotal) return newRS.spec.replicas;
  const up = Math.min(maxTotal - current, d.spec.replicas - newRS.spec.replicas);
  return newRS.spec.replicas + up;
}

/** FindActiveOrLatest: the only active set, or with none the new one or the newest old one. */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeSets(newRS === undefined ? newestFirst : [...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** IsSaturated: the new set has all the replicas, desired by its annotation, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const replicas = d.spec.replicas;
  return (
    rs.spec.replicas === replicas &&
    desiredReplicasOf(rs) === replicas &&
    (rs.status.availableReplicas ?? 0) === replicas
  );
}

/** Go's math.Round: half away from zero. */
const goRound = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/**
 * getReplicaSetFraction: how much `rs` grows (or shrinks) when the Deployment's allowed size goes
 * from its max-replicas annotation (else status.replicas) to replicas + maxSurge.
 */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (d.spec.replicas === 0) return -rs.spec.replicas;
  const maxNow = d.spec.replicas + maxSurge(d);
  const annotated = intAnnotation(rs, maxReplicasAnnotation);
  const before = annotated === undefined || annotated === 0 ? (d.status.replicas ?? 0) : annotated;
  if (before === 0) return 0;
  return goRound((rs.spec.replicas * maxNow) / before) - rs.spec.replicas;
}

/** GetReplicaSetProportion: the fraction, bounded by what is still to add (or remove). */
export function replicaSetProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rs.spec.replicas === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** ReplicasAnnotationsNeedUpdate / SetReplicasAnnotations; true when something changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = rs.metadata.annotations ?? {};
  if (
    annotations[desiredReplicasAnnotation] === String(desired) &&
    annotations[maxReplicasAnnotation] === String(max)
  )
    return false;
  rs.metadata.annotations = {
    ...annotations,
    [desiredReplicasAnnotation]: String(desired),
    [maxReplicasAnnotation]: String(max),
  };
  return true;
}

/**
 * Whether two JSON values are equal, as their JSON with object keys sorted would be: key order does
 * not count, and a key holding undefined counts as missing.
 */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object')
    return JSON.stringify(a) === JSON.stringify(b);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  if (keys.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  return keys.every((k) => Object.hasOwn(y, k) && jsonEqual(x[k], y[k]));
}

/**
 * The last answer of equalIgnoreHash for a template object: the Deployment controller compares each
 * set's template with the Deployment's on every pass. Stored templates are never changed in place
 * (a write that changes a template stores a new object), so an answer holds for the same pair.
 */
const lastAnswer = new WeakMap<PodTemplate, { readonly other: PodTemplate; readonly equal: boolean }>();

/** EqualIgnoreHash: the templates are equal once the pod-template-hash label is taken out. */
export function equalIgnoreHash(a: PodTemplate, b: PodTemplate): boolean {
  const last = lastAnswer.get(a);
  if (last?.other === b) return last.equal;
  const equal = compareIgnoreHash(a, b);
  lastAnswer.set(a, { other: b, equal });
  return equal;
}

function compareIgnoreHash(a: PodTemplate, b: PodTemplate): boolean {
  const strip = (t: PodTemplate): unknown => {
    const labels = { ...(t.metadata?.labels ?? {}) };
    delete labels['pod-template-hash'];
    return { ...t, metadata: { ...(t.metadata ?? {}), labels } };
  };
  return jsonEqual(strip(a), strip(b));
}
