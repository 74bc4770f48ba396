/**
 * The Kubernetes calls prescaler makes, behind one narrow interface (so unit tests can fake it;
 * client-node-api.ts implements it on @kubernetes/client-node, loaded only when first needed).
 * API failures become KubeApiError, which says whether the fault is permanent (403, 404, 422) or
 * transient (409, 5xx, network).
 */
import type { V1LabelSelector } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../clock.js';
import { KubeApiError } from '../errors.js';
import type { RolloutDeployment } from '../rollout.js';
import type { OrderedPod } from './pod-order.js';

export const PAUSE_ANNOTATION = 'prescaler.dev/paused';
/**
 * Set to "false" on busy pods (with the deletion cost), so the cluster autoscaler does not drain
 * their node while they hold work; removed when they are idle.
 */
export const SAFE_TO_EVICT_ANNOTATION = 'cluster-autoscaler.kubernetes.io/safe-to-evict';
/** Kubernetes' default terminationGracePeriodSeconds. */
export const DEFAULT_GRACE_SECONDS = 30;
/** How long one Kubernetes call may take before it counts as unreachable. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface ScaleRef {
  readonly namespace: string;
  readonly deployment: string;
}

export interface ScaleState {
  /** spec.replicas */
  readonly replicas: number;
  readonly resourceVersion: string;
  /** status.selector, e.g. "app=image-classifier,version=resnet101" */
  readonly selector: string;
}

export interface DeploymentState extends ScaleState {
  readonly paused: boolean;
  readonly uid: string;
  /** status.readyReplicas */
  readonly readyReplicas: number;
  /** The pod template's terminationGracePeriodSeconds (Kubernetes' default when unset). */
  readonly graceSeconds: number;
  /** Strategy and status.replicas, for the proportional split during a rollout. */
  readonly rollout: RolloutDeployment;
}

export interface PodInfo extends OrderedPod {
  readonly terminating: boolean;
  /** UID of the controlling owner (a ReplicaSet for a Deployment's pods), if any. */
  readonly ownerUid?: string | undefined;
}

/** Annotations to set on a pod; null removes one. */
export type PodAnnotations = Readonly<Record<string, string | null>>;

/** A ReplicaSet's sizes, as the Deployment controller's proportional scaling reads them. */
export interface ReplicaSetSizes {
  readonly name: string;
  /** spec.replicas */
  readonly replicas: number;
  /** The `deployment.kubernetes.io/max-replicas` annotation, if set and valid. */
  readonly maxReplicas?: number | undefined;
  /** The `deployment.kubernetes.io/desired-replicas` annotation, if set and valid. */
  readonly desiredReplicas?: number | undefined;
  readonly createdMs?: number | undefined;
  /** status.availableReplicas */
  readonly available: number;
}

/** A ReplicaSet as the rollout-aware ranking needs it. */
export interface ReplicaSetInfo extends ReplicaSetSizes {
  readonly uid: string;
  /** UID of the controlling owner (the Deployment), if any. */
  readonly ownerUid?: string | undefined;
  /** The `deployment.kubernetes.io/revision` annotation (0 when missing). */
  readonly revision: number;
}

export interface ScaleApi {
  readScale(ref: ScaleRef): Promise<ScaleState>;
  /** Writes spec.replicas with the resourceVersion precondition (409 when it moved). */
  writeScale(ref: ScaleRef, replicas: number, resourceVersion: string): Promise<ScaleState>;
  /** Replicas, resourceVersion, selector and the pause annotation in one read of the Deployment. */
  readDeployment(ref: ScaleRef): Promise<DeploymentState>;
  listPods(namespace: string, selector: string): Promise<PodInfo[]>;
  /** Sets (or with null removes) annotations of a pod, in one merge patch. */
  annotatePod(namespace: string, pod: string, annotations: PodAnnotations): Promise<void>;
  /**
   * Other autoscalers of the Deployment: "HorizontalPodAutoscaler/NAME" (autoscaling/v2) and
   * "ScaledObject/NAME" (keda.sh/v1alpha1, when KEDA is installed) whose scale target it is.
   */
  otherAutoscalers(ref: ScaleRef): Promise<string[]>;
  listReplicaSets(namespace: string, selector: string): Promise<ReplicaSetInfo[]>;
}

interface StatusBody {
  reason?: string;
  message?: string;
}

const HINTS: Record<number, string> = {
  403: 'grant the function account the prescaler Role in this namespace (see terraform/ rbac)',
  404: 'check the namespace and deployment of this target in the registry',
  409: 'another writer changed the Deployment; retrying',
};

/** client-node's ApiException, recognised by shape so this module need not load the library. */
function isApiException(error: unknown): error is { code: number; body: unknown } {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'number' &&
    'body' in error &&
    'headers' in error
  );
}

/** An HTTP error answer of the API server (its Status body, or none) as a KubeApiError. */
export function statusError(code: number, body: unknown, what: string, cause?: unknown): KubeApiError {
  let status: StatusBody;
  try {
    // client-node throws 401 with no body at all.
    status = ((typeof body === 'string' ? (body === '' ? {} : JSON.parse(body)) : body) ?? {}) as StatusBody;
  } catch {
    status = { message: String(body) };
  }
  return new KubeApiError(
    code,
    status.reason ?? `HTTP${code}`,
    `${what}: ${status.message ?? `HTTP ${code}`}`,
    HINTS[code],
    { cause },
  );
}

/** A call that got no answer within its timeout. */
export function timeoutError(what: string, timeoutMs: number, cause?: unknown): KubeApiError {
  return new KubeApiError(
    undefined,
    'Timeout',
    `${what}: no answer within ${timeoutMs} ms`,
    'check the cluster endpoint and network path',
    { cause },
  );
}

/** Maps a client-node failure to a KubeApiError naming the call and the object. */
export function toKubeError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (isApiException(error)) return statusError(error.code, error.body, what, error);
  return new KubeApiError(
    undefined,
    'Unreachable',
    `${what}: ${causeChain(error)}`,
    'check the cluster endpoint and network path',
    { cause: error },
  );
}

/**
 * The message of an error and of each error in its `cause` chain: client-node 2 fetches through
 * undici, whose "fetch failed" names the real fault (a refused connection, an untrusted
 * certificate) only in its cause.
 */
function causeChain(error: unknown): string {
  const parts: string[] = [];
  // Duck-typed: errors from Node's own TLS layer may come from another realm than this module's.
  type Link = { message?: unknown; code?: unknown; cause?: unknown };
  for (let e = error as Link | undefined; typeof e?.message === 'string' && parts.length < 5;) {
    const { message, code } = e;
    parts.push(typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message);
    e = e.cause as Link | undefined;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}

/** A LabelSelector as the query string the API takes (what status.selector of a Scale holds). */
export function selectorString(selector: V1LabelSelector | undefined): string {
  const labels = selector?.matchLabels ?? {};
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`);
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    if (operator === 'In') parts.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') parts.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
  }
  return parts.join(',');
}

/** The fields of an autoscaling/v1 Scale prescaler reads (client-node's V1Scale has them too). */
export interface ScaleObject {
  readonly metadata?: { readonly resourceVersion?: string | undefined } | undefined;
  readonly spec?: { readonly replicas?: number | undefined } | undefined;
  readonly status?: { readonly selector?: string | undefined } | undefined;
}

export function scaleState(scale: ScaleObject): ScaleState {
  return {
    replicas: scale.spec?.replicas ?? 0,
    resourceVersion: scale.metadata?.resourceVersion ?? '',
    selector: scale.status?.selector ?? '',
  };
}

/** The body of a scale write: `replicas`, on the condition that the object is still at `resourceVersion`. */
export function scaleBody(ref: ScaleRef, replicas: number, resourceVersion: string) {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: ref.deployment, namespace: ref.namespace, resourceVersion },
    spec: { replicas },
  };
}

export interface ScaleUpResult {
  readonly from: number;
  readonly to: number;
  readonly written: boolean;
  readonly attempts: number;
}

export interface ScaleUpRetry {
  /** Wall time after which a write still losing every race gives up (with the 409). */
  readonly budgetMs?: number;
  readonly clock?: Clock;
  /** Waits between attempts (tests pass one that moves a ManualClock). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): the jitter. */
  readonly random?: () => number;
}

/** Retries for 20 s: well inside the 60 s event timeout, far beyond any real contention. */
const SCALE_UP_BUDGET_MS = 20_000;
const BACKOFF_BASE_MS = 4;
const BACKOFF_CAP_MS = 250;

/**
 * Raises replicas to at least `desired`: read, write `desired` with the resourceVersion
 * precondition, and on a conflict read again after a jittered backoff. Never lowers; never writes
 * when the Deployment already has enough, so when a concurrent writer (another instance handling
 * an event of the same target) got there first, the re-read ends the loop without a write. Many
 * instances racing on one Deployment converge: each round one write wins, and the losers either
 * see enough replicas or retry after "full jitter" backoff (uniform in 0..min(cap, base * 2^n)),
 * which spreads them out. Bounded by time, not by a count of attempts: status updates by the
 * Deployment controller also move the resourceVersion, so a small count could run out while the
 * object is busy. Any other failure is thrown at once. `desired` may be a function, asked after
 * each read: the coalescer (coalesce.ts) lets callers raise a round's count until then.
 */
export async function scaleUpTo(
  api: ScaleApi,
  ref: ScaleRef,
  desired: number | (() => number),
  retry: ScaleUpRetry = {},
): Promise<ScaleUpResult> {
  const wanted = typeof desired === 'number' ? () => desired : desired;
  const clock = retry.clock ?? systemClock;
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = retry.random ?? Math.random;
  const giveUpAt = clock.now() + (retry.budgetMs ?? SCALE_UP_BUDGET_MS);
  let first: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const scale = await api.readScale(ref);
    first ??= scale.replicas;
    const count = wanted();
    if (count <= scale.replicas)
      return { from: first, to: scale.replicas, written: false, attempts: attempt };
    try {
      const written = await api.writeScale(ref, count, scale.resourceVersion);
      return { from: first, to: written.replicas, written: true, attempts: attempt };
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.status !== 409 || clock.now() >= giveUpAt) throw error;
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
      await sleep(Math.min(random() * ceiling, Math.max(0, giveUpAt - clock.now())));
    }
  }
}
