/**
 * The ReplicaSet controller (pkg/controller/replicaset/replica_set.go manageReplicas,
 * replica_set_utils.go calculateStatus): brings the number of active pods of each ReplicaSet to
 * its spec.replicas, creating pods from its template or picking the surplus in the real deletion
 * order, ranked against the pods of all the Deployment's ReplicaSets (active-pods.ts,
 * `getPodsToDelete`, `getIndirectlyRelatedPods`), and writes its status. At the moment a pod is
 * picked, the optional busy probe is asked about it and a `RemovedPod` record is made; records
 * keep the order in which pods were picked.
 */
import { randomUUID } from 'node:crypto';
import { randomSuffix, type Pod, type PodPhase } from '../apis/objects.js';
import { isPodReady, podFromTemplate } from '../apis/pods.js';
import type { ReplicaSet } from '../apis/workloads.js';
import type { PodEntry, ReplicaSetEntry, Store } from '../storage/store.js';
import { deletionCostOf, podsToDelete } from './active-pods.js';
import type { Kubelet } from './kubelet.js';

/** What the emulator records when the ReplicaSet picks a pod for deletion on scale-in. */
export interface RemovedPod {
  readonly namespace: string;
  readonly name: string;
  readonly deployment: string;
  /** The ReplicaSet that removed it. */
  readonly replicaSet: string;
  /**
   * Why its ReplicaSet shrank: `scale` when the Deployment's spec.replicas changed (the set's own
   * size, or the proportional split between sets in a rollout), `rollout` when the rolling update
   * or Recreate replaced old pods with new ones.
   */
  readonly cause: RemovalCause;
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

export type RemovalCause = 'scale' | 'rollout';

export type BusyProbe = (pod: Pod) => boolean | Promise<boolean>;

/**
 * Its active pods Ready for minReadySeconds by `at` (podutil.IsPodAvailable): all the ready ones
 * when even the newest became Ready long enough ago, else those whose Ready time is far enough back.
 */
function available(entry: ReplicaSetEntry, at: number): number {
  const minReadyMs = (entry.object.spec.minReadySeconds ?? 0) * 1000;
  if (entry.counts.newestReady + minReadyMs <= at) return entry.counts.ready;
  let count = 0;
  for (const { share } of entry.pods)
    if (share?.readySince !== undefined && share.readySince + minReadyMs <= at) count++;
  return count;
}

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

  /**
   * Creates or deletes pods so that the active ones match spec.replicas, then writes the status;
   * `cause` is what made the set shrink, for the removal records.
   */
  sync(entry: ReplicaSetEntry, at: number, cause: RemovalCause = 'scale'): void {
    const diff = entry.counts.active - entry.object.spec.replicas;
    if (diff < 0) {
      for (let i = 0; i < -diff; i++) this.createPod(entry, at);
    } else if (diff > 0) {
      const pods = [...entry.pods].map((p) => p.object);
      const entries = new Map([...entry.pods].map((p) => [p.object, p]));
      const related = [...entry.owner.pods].map((p) => p.object);
      for (const pod of podsToDelete(pods, diff, at, related)) {
        const chosen = entries.get(pod);
        if (chosen !== undefined) this.scaleIn(chosen, at, cause);
      }
    }
    this.syncStatus(entry, at);
  }

  /**
   * calculateStatus: counts of its active pods, read from the counts the store keeps up to date on
   * every pod write (storage/pod-tally.ts); stored only when they changed.
   */
  syncStatus(entry: ReplicaSetEntry, at: number): void {
    const rs = entry.object;
    const { active, fullyLabeled, ready } = entry.counts;
    const status: ReplicaSet['status'] = {
      replicas: active,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available(entry, at),
      observedGeneration: rs.metadata.generation ?? 1,
    };
    const was = rs.status;
    if (
      was.replicas === status.replicas &&
      was.fullyLabeledReplicas === status.fullyLabeledReplicas &&
      was.readyReplicas === status.readyReplicas &&
      was.availableReplicas === status.availableReplicas &&
      was.observedGeneration === status.observedGeneration &&
      Object.keys(was).length === 5
    )
      return;
    rs.status = status;
    this.store.changeReplicaSet(entry);
  }

  /** Waits for the busy probes of pods picked so far to answer. */
  async settle(): Promise<void> {
    while (this.probes.size > 0) await Promise.all([...this.probes]);
  }

  private createPod(rs: ReplicaSetEntry, at: number): void {
    const { namespace = 'default', name: rsName, uid } = rs.object.metadata;
    let name = `${rsName}-${randomSuffix()}`;
    while (this.store.pod(namespace, name) !== undefined) name = `${rsName}-${randomSuffix()}`;
    const pod = podFromTemplate({
      namespace,
      replicaSetName: rsName,
      replicaSetUid: uid,
      templateHash: rs.hash,
      template: rs.object.spec.template,
      uid: randomUUID(),
      name,
      createdAt: at,
    });
    this.kubelet.admit(this.store.addPod(pod, rs), rs.owner, at);
  }

  private scaleIn(entry: PodEntry, at: number, cause: RemovalCause): void {
    const pod = entry.object;
    const snapshot = {
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      deployment: entry.owner?.object.metadata.name ?? '',
      replicaSet: entry.replicaSet?.object.metadata.name ?? '',
      cause,
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
