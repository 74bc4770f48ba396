/**
 * An in-memory ScaleApi (the project's own interface) for tests that exercise the functions
 * against a real Redis without a Kubernetes API: resourceVersion preconditions, conflicts and
 * injected failures included.
 */
import { KubeApiError } from '../../shared/errors.js';
import type { ClusterConnector } from '../../shared/kube/cluster.js';
import type {
  DeploymentState,
  PodInfo,
  ScaleApi,
  ScaleRef,
  ScaleState,
  PodAnnotations,
  ReplicaSetInfo,
} from '../../shared/kube/scale-api.js';

interface FakeDeployment {
  replicas: number;
  version: number;
  paused: boolean;
  pods: PodInfo[];
}

export class FakeScaleApi implements ScaleApi, ClusterConnector {
  readonly deployments = new Map<string, FakeDeployment>();
  readonly writes: Array<{ ref: string; replicas: number }> = [];
  readonly annotations: Array<{ pod: string; annotations: PodAnnotations }> = [];
  /** Other autoscalers reported for every Deployment. */
  autoscalers: string[] = [];
  /** Makes the next N calls fail with this error. */
  failNext: { error: KubeApiError; times: number } | undefined;
  /** Makes the next N writes lose the race to another writer (409 Conflict). */
  conflicts = 0;

  add(ref: ScaleRef, replicas = 0, paused = false): void {
    this.deployments.set(key(ref), { replicas, version: 1, paused, pods: [] });
  }

  replicas(ref: ScaleRef): number | undefined {
    return this.deployments.get(key(ref))?.replicas;
  }

  apiFor(): Promise<ScaleApi> {
    return Promise.resolve(this);
  }

  private get(ref: ScaleRef): FakeDeployment {
    if (this.failNext && this.failNext.times > 0) {
      this.failNext.times--;
      throw this.failNext.error;
    }
    const deployment = this.deployments.get(key(ref));
    if (!deployment)
      throw new KubeApiError(404, 'NotFound', `deployments.apps "${ref.deployment}" not found`);
    return deployment;
  }

  readScale(ref: ScaleRef): Promise<ScaleState> {
    const d = this.get(ref);
    return Promise.resolve({
      replicas: d.replicas,
      resourceVersion: String(d.version),
      selector: `app=${ref.deployment}`,
    });
  }

  async readDeployment(ref: ScaleRef): Promise<DeploymentState> {
    const d = this.get(ref);
    return {
      ...(await this.readScale(ref)),
      paused: d.paused,
      uid: `uid-${key(ref)}`,
      readyReplicas: d.pods.filter((p) => p.ready).length,
      graceSeconds: 30,
      rollout: { rollingUpdate: true, statusReplicas: d.replicas, maxSurge: '25%', maxUnavailable: '25%' },
    };
  }

  writeScale(ref: ScaleRef, replicas: number, resourceVersion: string): Promise<ScaleState> {
    const d = this.get(ref);
    if (this.conflicts > 0) {
      this.conflicts--;
      d.version++;
    }
    if (resourceVersion !== '' && resourceVersion !== String(d.version)) {
      throw new KubeApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on deployments.apps "${ref.deployment}"`,
      );
    }
    d.replicas = replicas;
    d.version++;
    this.writes.push({ ref: key(ref), replicas });
    return this.readScale(ref);
  }

  /** The Deployment's pods, each owned by its one ReplicaSet. */
  listPods(namespace: string, selector: string): Promise<PodInfo[]> {
    const ref = { namespace, deployment: selector.replace(/^app=/, '') };
    return Promise.resolve(this.get(ref).pods.map((pod) => ({ ownerUid: `rs-${key(ref)}`, ...pod })));
  }

  /** Records the patch and applies it to the pod, as the API server would (null removes). */
  annotatePod(_namespace: string, pod: string, annotations: PodAnnotations): Promise<void> {
    this.annotations.push({ pod, annotations });
    for (const d of this.deployments.values()) {
      d.pods = d.pods.map((p) => {
        if (p.name !== pod) return p;
        const merged: Record<string, string> = { ...p.annotations };
        for (const [k, v] of Object.entries(annotations)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        return { ...p, annotations: merged };
      });
    }
    return Promise.resolve();
  }

  otherAutoscalers(): Promise<string[]> {
    return Promise.resolve(this.autoscalers);
  }

  /** One ReplicaSet per Deployment, of its size. */
  listReplicaSets(namespace: string, selector: string): Promise<ReplicaSetInfo[]> {
    const ref = { namespace, deployment: selector.replace(/^app=/, '') };
    const d = this.get(ref);
    return Promise.resolve([
      {
        name: `${ref.deployment}-1`,
        uid: `rs-${key(ref)}`,
        ownerUid: `uid-${key(ref)}`,
        replicas: d.replicas,
        revision: 1,
        available: d.pods.filter((p) => p.ready).length,
      },
    ]);
  }
}

function key(ref: ScaleRef): string {
  return `${ref.namespace}/${ref.deployment}`;
}
