/**
 * The Kubernetes calls prescaler makes, behind one narrow interface (so unit tests can fake it),
 * and its implementation on @kubernetes/client-node. API failures become KubeApiError, which says
 * whether the fault is permanent (403, 404, 422) or transient (409, 5xx, network).
 */
import {
  ApiException,
  type AppsV1Api,
  type CoreV1Api,
  type KubeConfig,
  type V1LabelSelector,
  type V1Pod,
  type V1Scale,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { KubeApiError } from '../errors.js';
import type { OrderedPod } from './pod-order.js';

export const PAUSE_ANNOTATION = 'prescaler.dev/paused';

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
}

export interface PodInfo extends OrderedPod {
  readonly terminating: boolean;
}

export interface ScaleApi {
  readScale(ref: ScaleRef): Promise<ScaleState>;
  /** Writes spec.replicas with the resourceVersion precondition (409 when it moved). */
  writeScale(ref: ScaleRef, replicas: number, resourceVersion: string): Promise<ScaleState>;
  /** Replicas, resourceVersion, selector and the pause annotation in one read of the Deployment. */
  readDeployment(ref: ScaleRef): Promise<DeploymentState>;
  listPods(namespace: string, selector: string): Promise<PodInfo[]>;
  /** Sets (or with null removes) a pod's deletion-cost annotation. */
  setDeletionCost(namespace: string, pod: string, cost: string | null): Promise<void>;
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

/** Maps a client-node failure to a KubeApiError naming the call and the object. */
export function toKubeError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (error instanceof ApiException) {
    const code = (error as ApiException<unknown>).code;
    let status: StatusBody = {};
    const body: unknown = (error as ApiException<unknown>).body;
    try {
      status = (typeof body === 'string' ? JSON.parse(body) : body) as StatusBody;
    } catch {
      status = { message: String(body) };
    }
    return new KubeApiError(
      code,
      status.reason ?? `HTTP${code}`,
      `${what}: ${status.message ?? `HTTP ${code}`}`,
      HINTS[code],
      { cause: error },
    );
  }
  return new KubeApiError(
    undefined,
    'Unreachable',
    `${what}: ${(error as Error).message}`,
    'check the cluster endpoint and network path',
    { cause: error },
  );
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

function scaleState(scale: V1Scale): ScaleState {
  return {
    replicas: scale.spec?.replicas ?? 0,
    resourceVersion: scale.metadata?.resourceVersion ?? '',
    selector: scale.status?.selector ?? '',
  };
}

function podInfo(pod: V1Pod): PodInfo {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const isReady = ready?.status === 'True';
  return {
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    nodeName: pod.spec?.nodeName,
    phase: pod.status?.phase ?? 'Unknown',
    ready: isReady,
    readySinceMs:
      isReady && ready?.lastTransitionTime ? new Date(ready.lastTransitionTime).getTime() : undefined,
    createdMs: pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : 0,
    restarts: Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount)),
    annotations: pod.metadata?.annotations,
    terminating: Boolean(pod.metadata?.deletionTimestamp),
  };
}

export class ClientNodeScaleApi implements ScaleApi {
  constructor(
    private readonly apps: AppsV1Api,
    private readonly core: CoreV1Api,
  ) {}

  static async fromKubeConfig(kc: KubeConfig): Promise<ClientNodeScaleApi> {
    const { AppsV1Api, CoreV1Api } = await import('@kubernetes/client-node');
    return new ClientNodeScaleApi(kc.makeApiClient(AppsV1Api), kc.makeApiClient(CoreV1Api));
  }

  async readScale(ref: ScaleRef): Promise<ScaleState> {
    try {
      return scaleState(
        await this.apps.readNamespacedDeploymentScale({ name: ref.deployment, namespace: ref.namespace }),
      );
    } catch (error) {
      throw toKubeError(error, `read scale of ${ref.namespace}/${ref.deployment}`);
    }
  }

  async writeScale(ref: ScaleRef, replicas: number, resourceVersion: string): Promise<ScaleState> {
    try {
      const body: V1Scale = {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: ref.deployment, namespace: ref.namespace, resourceVersion },
        spec: { replicas },
      };
      return scaleState(
        await this.apps.replaceNamespacedDeploymentScale({
          name: ref.deployment,
          namespace: ref.namespace,
          body,
        }),
      );
    } catch (error) {
      throw toKubeError(error, `scale ${ref.namespace}/${ref.deployment} to ${replicas}`);
    }
  }

  async readDeployment(ref: ScaleRef): Promise<DeploymentState> {
    try {
      const deployment = await this.apps.readNamespacedDeployment({
        name: ref.deployment,
        namespace: ref.namespace,
      });
      return {
        replicas: deployment.spec?.replicas ?? 0,
        resourceVersion: deployment.metadata?.resourceVersion ?? '',
        selector: selectorString(deployment.spec?.selector),
        paused: deployment.metadata?.annotations?.[PAUSE_ANNOTATION] === 'true',
      };
    } catch (error) {
      throw toKubeError(error, `read deployment ${ref.namespace}/${ref.deployment}`);
    }
  }

  async listPods(namespace: string, selector: string): Promise<PodInfo[]> {
    try {
      const list = await this.core.listNamespacedPod({ namespace, labelSelector: selector });
      return list.items.map(podInfo);
    } catch (error) {
      throw toKubeError(error, `list pods in ${namespace} (${selector})`);
    }
  }

  async setDeletionCost(namespace: string, pod: string, cost: string | null): Promise<void> {
    try {
      await this.core.patchNamespacedPod(
        {
          name: pod,
          namespace,
          body: { metadata: { annotations: { 'controller.kubernetes.io/pod-deletion-cost': cost } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      throw toKubeError(error, `annotate pod ${namespace}/${pod}`);
    }
  }
}

export interface ScaleUpResult {
  readonly from: number;
  readonly to: number;
  readonly written: boolean;
  readonly attempts: number;
}

/**
 * Raises replicas to at least `desired`: read, write max(current, desired) with the
 * resourceVersion precondition, and on a conflict read again. Never lowers; never writes when
 * the Deployment already has enough.
 */
export async function scaleUpTo(
  api: ScaleApi,
  ref: ScaleRef,
  desired: number,
  maxAttempts = 10,
  // Status updates also move the resourceVersion, so back off exponentially (10 ms .. 250 ms).
  pause: (attempt: number) => Promise<void> = (attempt) =>
    new Promise((resolve) => setTimeout(resolve, Math.min(250, 5 * 2 ** attempt) * (0.5 + Math.random()))),
): Promise<ScaleUpResult> {
  let first: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const scale = await api.readScale(ref);
    first ??= scale.replicas;
    if (desired <= scale.replicas)
      return { from: first, to: scale.replicas, written: false, attempts: attempt };
    try {
      const written = await api.writeScale(ref, desired, scale.resourceVersion);
      return { from: first, to: written.replicas, written: true, attempts: attempt };
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.status !== 409 || attempt >= maxAttempts) throw error;
      await pause(attempt);
    }
  }
}
