/**
 * The ScaleApi on @kubernetes/client-node: the Scale and Deployment reads, the scale write with
 * its resourceVersion precondition, pod and ReplicaSet listing, pod annotations, and the other
 * autoscalers (HPA, KEDA ScaledObject) of a Deployment. Every call carries a timeout (an
 * AbortSignal set by a request middleware), so an endpoint that never answers fails the call
 * instead of holding it. Imported dynamically by cluster.ts, so a function's cold start does not
 * load the client until needed.
 */
import {
  type AppsV1Api,
  type AutoscalingV2Api,
  type CoreV1Api,
  type CustomObjectsApi,
  type KubeConfig,
  type V1OwnerReference,
  type V1Pod,
  type V1Scale,
  AppsV1Api as AppsApi,
  AutoscalingV2Api as AutoscalingApi,
  CoreV1Api as CoreApi,
  CustomObjectsApi as CustomApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { KubeApiError } from '../errors.js';

/** Set by the Deployment controller on its ReplicaSets: the Deployment's replicas + maxSurge. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
import {
  DEFAULT_GRACE_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  PAUSE_ANNOTATION,
  scaleBody,
  scaleState,
  selectorString,
  timeoutError,
  toKubeError,
  type DeploymentState,
  type PodAnnotations,
  type PodInfo,
  type ReplicaSetInfo,
  type ScaleApi,
  type ScaleRef,
  type ScaleState,
} from './scale-api.js';

type CallOptions = Parameters<CoreV1Api['listNamespacedPod']>[1];
type Middleware = NonNullable<NonNullable<CallOptions>['middleware']>[number];

/**
 * Per-call options adding an AbortSignal that fires after `timeoutMs`. The generated client
 * chains middleware results through their `toPromise()` (its own minimal Observable).
 */
function withTimeout(timeoutMs: number): CallOptions {
  const observable = <T>(value: T) => ({ toPromise: () => Promise.resolve(value) });
  const timeout = {
    pre: (request: { setSignal(signal: AbortSignal): void }) => {
      request.setSignal(AbortSignal.timeout(timeoutMs));
      return observable(request);
    },
    post: <T>(response: T) => observable(response),
  } as unknown as Middleware;
  return { middleware: [timeout], middlewareMergeStrategy: 'append' };
}

function controllerUid(refs: readonly V1OwnerReference[] | undefined): string | undefined {
  return refs?.find((ref) => ref.controller === true)?.uid;
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
    createdMs: pod.metadata?.creationTimestamp
      ? new Date(pod.metadata.creationTimestamp).getTime()
      : undefined,
    restarts: Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount)),
    annotations: pod.metadata?.annotations,
    terminating: Boolean(pod.metadata?.deletionTimestamp),
    ownerUid: controllerUid(pod.metadata?.ownerReferences),
  };
}

export class ClientNodeScaleApi implements ScaleApi {
  private readonly options: CallOptions;

  constructor(
    private readonly apps: AppsV1Api,
    private readonly core: CoreV1Api,
    private readonly autoscaling: AutoscalingV2Api,
    private readonly custom: CustomObjectsApi,
    private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {
    this.options = withTimeout(timeoutMs);
  }

  static fromKubeConfig(kc: KubeConfig, timeoutMs?: number): ClientNodeScaleApi {
    return new ClientNodeScaleApi(
      kc.makeApiClient(AppsApi),
      kc.makeApiClient(CoreApi),
      kc.makeApiClient(AutoscalingApi),
      kc.makeApiClient(CustomApi),
      timeoutMs,
    );
  }

  /** Runs one call, naming it (and the timeout, when that is what failed) in the error. */
  private async call<T>(what: string, run: (options: CallOptions) => Promise<T>): Promise<T> {
    try {
      return await run(this.options);
    } catch (error) {
      throw isTimeout(error) ? timeoutError(what, this.timeoutMs, error) : toKubeError(error, what);
    }
  }

  readScale(ref: ScaleRef): Promise<ScaleState> {
    return this.call(`read scale of ${ref.namespace}/${ref.deployment}`, async (options) =>
      scaleState(
        await this.apps.readNamespacedDeploymentScale(
          { name: ref.deployment, namespace: ref.namespace },
          options,
        ),
      ),
    );
  }

  writeScale(ref: ScaleRef, replicas: number, resourceVersion: string): Promise<ScaleState> {
    const body: V1Scale = scaleBody(ref, replicas, resourceVersion);
    return this.call(`scale ${ref.namespace}/${ref.deployment} to ${replicas}`, async (options) =>
      scaleState(
        await this.apps.replaceNamespacedDeploymentScale(
          { name: ref.deployment, namespace: ref.namespace, body },
          options,
        ),
      ),
    );
  }

  readDeployment(ref: ScaleRef): Promise<DeploymentState> {
    return this.call(`read deployment ${ref.namespace}/${ref.deployment}`, async (options) => {
      const deployment = await this.apps.readNamespacedDeployment(
        { name: ref.deployment, namespace: ref.namespace },
        options,
      );
      return {
        replicas: deployment.spec?.replicas ?? 0,
        resourceVersion: deployment.metadata?.resourceVersion ?? '',
        selector: selectorString(deployment.spec?.selector),
        paused: deployment.metadata?.annotations?.[PAUSE_ANNOTATION] === 'true',
        uid: deployment.metadata?.uid ?? '',
        readyReplicas: deployment.status?.readyReplicas ?? 0,
        rollout: {
          rollingUpdate: (deployment.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate',
          statusReplicas: deployment.status?.replicas ?? 0,
          maxSurge: deployment.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%',
          maxUnavailable: deployment.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%',
        },
        graceSeconds: deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
      };
    });
  }

  listPods(namespace: string, selector: string): Promise<PodInfo[]> {
    return this.call(`list pods in ${namespace} (${selector})`, async (options) =>
      (await this.core.listNamespacedPod({ namespace, labelSelector: selector }, options)).items.map(podInfo),
    );
  }

  listReplicaSets(namespace: string, selector: string): Promise<ReplicaSetInfo[]> {
    return this.call(`list replicasets in ${namespace} (${selector})`, async (options) =>
      (await this.apps.listNamespacedReplicaSet({ namespace, labelSelector: selector }, options)).items.map(
        (rs) => {
          const max = Number(rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION]);
          const desired = Number(rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION]);
          return {
            name: rs.metadata?.name ?? '',
            uid: rs.metadata?.uid ?? '',
            ownerUid: controllerUid(rs.metadata?.ownerReferences),
            replicas: rs.spec?.replicas ?? 0,
            revision: Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0) || 0,
            available: rs.status?.availableReplicas ?? 0,
            maxReplicas: Number.isInteger(max) && max >= 0 ? max : undefined,
            desiredReplicas: Number.isInteger(desired) && desired >= 0 ? desired : undefined,
            createdMs: rs.metadata?.creationTimestamp
              ? new Date(rs.metadata.creationTimestamp).getTime()
              : undefined,
          };
        },
      ),
    );
  }

  annotatePod(namespace: string, pod: string, annotations: PodAnnotations): Promise<void> {
    return this.call(`annotate pod ${namespace}/${pod}`, async (options) => {
      await this.core.patchNamespacedPod(
        { name: pod, namespace, body: { metadata: { annotations } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch, options),
      );
    });
  }

  async otherAutoscalers(ref: ScaleRef): Promise<string[]> {
    const targets = (scaleTarget: { kind?: string; name?: string } | undefined) =>
      scaleTarget?.name === ref.deployment && (scaleTarget.kind ?? 'Deployment') === 'Deployment';
    const [hpas, scaledObjects] = await Promise.all([
      this.call(`list horizontalpodautoscalers in ${ref.namespace}`, (options) =>
        this.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ref.namespace }, options),
      ),
      this.call(`list scaledobjects.keda.sh in ${ref.namespace}`, (options): Promise<unknown> =>
        this.custom.listNamespacedCustomObject(
          { group: 'keda.sh', version: 'v1alpha1', namespace: ref.namespace, plural: 'scaledobjects' },
          options,
        ),
      ).catch((error: unknown) => {
        // KEDA not installed: the resource does not exist, so nothing can conflict.
        if (error instanceof KubeApiError && error.status === 404) return { items: [] };
        throw error;
      }),
    ]);
    const keda =
      (
        scaledObjects as {
          items?: Array<{
            metadata?: { name?: string };
            spec?: { scaleTargetRef?: { kind?: string; name?: string } };
          }>;
        }
      ).items ?? [];
    return [
      ...hpas.items
        .filter((hpa) => targets(hpa.spec?.scaleTargetRef))
        .map((hpa) => `HorizontalPodAutoscaler/${hpa.metadata?.name ?? ''}`),
      ...keda
        .filter((so) => targets(so.spec?.scaleTargetRef))
        .map((so) => `ScaledObject/${so.metadata?.name ?? ''}`),
    ];
  }
}

/** undici reports an aborted fetch as an AbortError whose cause is the signal's TimeoutError. */
function isTimeout(error: unknown): boolean {
  for (let e = error as { name?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.name === 'TimeoutError') return true;
    e = e.cause as typeof e;
  }
  return false;
}
