/**
 * The ScaleApi on @kubernetes/client-node: the Scale and Deployment reads, the scale write with
 * its resourceVersion precondition, pod listing and the deletion-cost annotation. Imported
 * dynamically by cluster.ts, so a function's cold start does not load the client until needed.
 */
import {
  type AppsV1Api,
  type CoreV1Api,
  type KubeConfig,
  type V1Pod,
  type V1Scale,
  AppsV1Api as AppsApi,
  CoreV1Api as CoreApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { DELETION_COST_ANNOTATION } from './pod-order.js';
import {
  PAUSE_ANNOTATION,
  selectorString,
  toKubeError,
  type DeploymentState,
  type PodInfo,
  type ScaleApi,
  type ScaleRef,
  type ScaleState,
} from './scale-api.js';

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
    createdMs: pod.metadata?.creationTimestamp
      ? new Date(pod.metadata.creationTimestamp).getTime()
      : undefined,
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

  static fromKubeConfig(kc: KubeConfig): ClientNodeScaleApi {
    return new ClientNodeScaleApi(kc.makeApiClient(AppsApi), kc.makeApiClient(CoreApi));
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
        readyReplicas: deployment.status?.readyReplicas ?? 0,
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
          body: { metadata: { annotations: { [DELETION_COST_ANNOTATION]: cost } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      throw toKubeError(error, `annotate pod ${namespace}/${pod}`);
    }
  }
}
