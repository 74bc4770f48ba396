/**
 * The ReplicaSet controller (pkg/controller/replicaset/replica_set.go manageReplicas): brings the
 * number of active pods of a Deployment's current ReplicaSet to spec.replicas, creating pods from
 * the template or picking the surplus in the real deletion order (active-pods.ts,
 * `getPodsToDelete`). At the moment a pod is picked, the optional busy probe is asked about it and
 * a `RemovedPod` record is made; records keep the order in which pods were picked.
 */
import { randomUUID } from 'node:crypto';
import { randomSuffix, type Pod, type PodPhase } from '../apis/objects.js';
import { isPodActive, isPodReady, podFromTemplate } from '../apis/pods.js';
import type { DeploymentEntry, PodEntry, Store } from '../storage/store.js';
import { deletionCostOf, podsToDelete } from './active-pods.js';
import type { Kubelet } from './kubelet.js';

/** What the emulator records when the ReplicaSet picks a pod for deletion on scale-in. */
export interface RemovedPod {
  readonly namespace: string;
  readonly name: string;
  readonly deployment: string;
  /** Clock time (ms) at which the pod was picked. */
  readonly removedAt: number;
  /** The busy probe's answer; undefined without a probe or when it failed. */
  readonly busy: boolean | undefined;
  readonly phase: PodPhase;
  readonly ready: boolean;
  /** The pod's pod-deletion-cost as the ReplicaSet read it (0 when missing or invalid). */
  readonly deletionCost: number;
  /** Set when the busy probe threw or rejected. */
  readonly probeError?: string;
}

export type BusyProbe = (pod: Pod) => boolean | Promise<boolean>;

export class ReplicaSetController {
  private readonly probes = new Set<Promise<void>>();
  private lastRecord: Promise<void> = Promise.resolve();
  readonly removed: RemovedPod[] = [];

  constructor(
    private readonly store: Store,
    private readonly kubelet: Kubelet,
    private readonly busyProbe: BusyProbe | undefined,
    private readonly onRemoved: ((record: RemovedPod) => void) | undefined,
  ) {}

  /** Creates or deletes pods so that the active ones match spec.replicas. */
  sync(entry: DeploymentEntry, at: number): void {
    const pods = [...entry.pods].map((p) => p.object);
    const diff = pods.filter(isPodActive).length - entry.object.spec.replicas;
    if (diff < 0) {
      for (let i = 0; i < -diff; i++) this.createPod(entry, at);
    } else if (diff > 0) {
      const entries = new Map([...entry.pods].map((p) => [p.object, p]));
      for (const pod of podsToDelete(pods, diff, at)) {
        const chosen = entries.get(pod);
        if (chosen !== undefined) this.scaleIn(chosen, at);
      }
    }
  }

  /** Waits for the busy probes of pods picked so far to answer. */
  async settle(): Promise<void> {
    while (this.probes.size > 0) await Promise.all([...this.probes]);
  }

  private createPod(owner: DeploymentEntry, at: number): void {
    const namespace = owner.object.metadata.namespace ?? 'default';
    let name = `${owner.replicaSetName}-${randomSuffix()}`;
    while (this.store.pod(namespace, name) !== undefined) name = `${owner.replicaSetName}-${randomSuffix()}`;
    const pod = podFromTemplate({
      namespace,
      replicaSetName: owner.replicaSetName,
      replicaSetUid: owner.replicaSetUid,
      templateHash: owner.templateHash,
      template: owner.object.spec.template,
      uid: randomUUID(),
      name,
      createdAt: at,
    });
    this.kubelet.admit(this.store.addPod(pod, owner), owner, at);
  }

  private scaleIn(entry: PodEntry, at: number): void {
    const pod = entry.object;
    const snapshot = {
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      deployment: entry.owner?.object.metadata.name ?? '',
      removedAt: at,
      phase: pod.status.phase,
      ready: isPodReady(pod),
      deletionCost: deletionCostOf(pod),
    };
    const probe = this.busyProbe;
    const copy = probe === undefined ? undefined : structuredClone(pod);
    this.kubelet.terminate(entry, this.kubelet.graceSeconds(entry), at);
    const answer: Promise<Pick<RemovedPod, 'busy' | 'probeError'>> =
      probe === undefined || copy === undefined
        ? Promise.resolve({ busy: undefined })
        : (async () => {
            try {
              return { busy: await probe(copy) };
            } catch (error) {
              return { busy: undefined, probeError: error instanceof Error ? error.message : String(error) };
            }
          })();
    const recorded = Promise.all([this.lastRecord, answer]).then(([, result]) => {
      const record = { ...snapshot, ...result };
      this.removed.push(record);
      this.onRemoved?.(record);
    });
    this.lastRecord = recorded;
    this.probes.add(recorded);
    void recorded.finally(() => this.probes.delete(recorded));
  }
}
