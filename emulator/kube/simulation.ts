/**
 * The cluster behind the API: a ReplicaSet controller, a scheduler and kubelets, driven by the
 * injected Clock. Every happening is an event at a time; `advance()` runs all events due up to
 * `clock.now()` in time order, each at its own time, so a virtual clock moved by minutes replays
 * exactly what a real cluster would have done in between.
 *
 * A pod's life (S = the Deployment's startup seconds, annotation `startup-seconds`, default 5):
 *   created  Pending, unscheduled                       at t
 *   bound    Pending, on a node, ContainerCreating      at t + min(1 s, S/5)
 *   started  Running, not ready                         at t + min(3 s, 2S/5)
 *   ready    Running, Ready (lastTransitionTime set)    at t + S
 * On scale-in the ReplicaSet picks pods in the real order (ranking.ts); each gets a
 * deletionTimestamp and disappears after its grace period (annotation `termination-grace-seconds`
 * on the pod or the Deployment, else the template's terminationGracePeriodSeconds). At the moment
 * a pod is picked, the optional busy probe is asked about it and a `RemovedPod` record is made.
 * Deployment status (replicas, updated, ready, available, observedGeneration, conditions) is
 * recomputed whenever one of its pods or its spec changes; terminating pods do not count.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import {
  isPodActive,
  isPodReady,
  podFromTemplate,
  podReadyTime,
  randomSuffix,
  rfc3339,
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
  type Pod,
  type PodCondition,
  type PodPhase,
} from './objects.js';
import { deletionCost, podsToDelete } from './ranking.js';
import type { DeploymentEntry, PodEntry, Store } from './store.js';

/** Annotations the emulator reads; they have no meaning to a real cluster. */
export const annotations = {
  /** On a Deployment: seconds from a pod's creation to Ready. */
  startupSeconds: 'emulator.prescaler.dev/startup-seconds',
  /** On a Pod or a Deployment: seconds a deleted pod stays Terminating before it disappears. */
  terminationGraceSeconds: 'emulator.prescaler.dev/termination-grace-seconds',
} as const;

export const defaultStartupSeconds = 5;

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

export interface SimulationOptions {
  readonly busyProbe?: BusyProbe;
  /** Number of simulated nodes; default 3. */
  readonly nodes?: number;
  /** Called once a record is complete (after the busy probe answered). */
  readonly onRemoved?: (record: RemovedPod) => void;
}

type Event = { readonly at: number; readonly seq: number; readonly run: (at: number) => void };

/** A binary min-heap of events ordered by time, then by insertion. */
class EventQueue {
  private readonly heap: Event[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, run: (at: number) => void): void {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, run });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Event, heap[parent] as Event)) break;
      [heap[i], heap[parent]] = [heap[parent] as Event, heap[i] as Event];
      i = parent;
    }
  }

  /** The earliest event if it is due at or before `now`. */
  popDue(now: number): Event | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = heap.pop() as Event;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Event, heap[m] as Event)) m = l;
        if (r < heap.length && before(heap[r] as Event, heap[m] as Event)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Event, heap[i] as Event];
        i = m;
      }
    }
    return top;
  }
}

const before = (a: Event, b: Event): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** A non-negative number of seconds from an annotation, or undefined. */
function secondsAnnotation(
  map: Readonly<Record<string, string>> | undefined,
  key: string,
): number | undefined {
  const raw = map?.[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function setCondition(pod: Pod, type: string, status: 'True' | 'False', at: string, reason?: string): void {
  const conditions = (pod.status.conditions ??= []);
  const existing = conditions.find((c) => c.type === type);
  if (existing === undefined) {
    const condition: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: at };
    if (reason !== undefined) condition.reason = reason;
    conditions.push(condition);
    return;
  }
  if (existing.status !== status) existing.lastTransitionTime = at;
  existing.status = status;
  if (reason === undefined) delete existing.reason;
  else existing.reason = reason;
  delete existing.message;
}

export class Simulation {
  private readonly queue = new EventQueue();
  private readonly syncPending = new Set<DeploymentEntry>();
  private readonly nodes: string[];
  private readonly podsOnNode = new Map<string, number>();
  private readonly probes = new Set<Promise<void>>();
  private lastRecord: Promise<void> = Promise.resolve();
  private nextIp = 0;
  readonly removed: RemovedPod[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: SimulationOptions = {},
  ) {
    const count = Math.max(1, options.nodes ?? 3);
    this.nodes = Array.from(
      { length: count },
      (_, i) => `gke-emulator-default-pool-${String(i).padStart(2, '0')}`,
    );
    for (const node of this.nodes) this.podsOnNode.set(node, 0);
  }

  /** Node names of the simulated cluster. */
  get nodeNames(): readonly string[] {
    return this.nodes;
  }

  /** Asks for the Deployment to be synced (at the clock's now, or at `at`). */
  markDirty(entry: DeploymentEntry, at = this.clock.now()): void {
    if (this.syncPending.has(entry)) return;
    this.syncPending.add(entry);
    this.queue.push(at, (time) => {
      this.syncPending.delete(entry);
      this.sync(entry, time);
    });
  }

  /** Runs every event due up to the clock's now, synchronously. */
  advance(): void {
    const now = this.clock.now();
    for (let event = this.queue.popDue(now); event !== undefined; event = this.queue.popDue(now)) {
      event.run(event.at);
    }
  }

  /** `advance()`, then waits for the busy probes of pods picked so far to answer. */
  async settle(): Promise<void> {
    this.advance();
    while (this.probes.size > 0) await Promise.all([...this.probes]);
  }

  /** Deletes a pod through the API: Terminating for its grace period, then gone. */
  deletePod(entry: PodEntry, graceSeconds: number | undefined, at = this.clock.now()): void {
    if (entry.object.metadata.deletionTimestamp !== undefined) return;
    this.terminate(entry, graceSeconds ?? this.graceSeconds(entry), at);
    if (entry.owner !== undefined) this.markDirty(entry.owner, at);
  }

  /** Reacts to a pod changed through the API (a deletion-cost annotation does not need a sync). */
  podChanged(entry: PodEntry): void {
    if (entry.owner !== undefined) this.markDirty(entry.owner);
  }

  // ---- ReplicaSet controller ----

  private sync(entry: DeploymentEntry, at: number): void {
    if (
      this.store.deployment(entry.object.metadata.namespace ?? 'default', entry.object.metadata.name) !==
      entry
    ) {
      return;
    }
    const pods = [...entry.pods].map((p) => p.object);
    const active = pods.filter(isPodActive).length;
    const diff = active - entry.object.spec.replicas;
    if (diff < 0) {
      for (let i = 0; i < -diff; i++) this.createPod(entry, at);
    } else if (diff > 0) {
      const entries = new Map([...entry.pods].map((p) => [p.object, p]));
      for (const pod of podsToDelete(pods, diff, at)) {
        const chosen = entries.get(pod);
        if (chosen !== undefined) this.scaleInPod(chosen, at);
      }
    }
    this.updateStatus(entry, at);
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
    const entry = this.store.addPod(pod, owner);
    const startup =
      1000 *
      (secondsAnnotation(owner.object.metadata.annotations, annotations.startupSeconds) ??
        defaultStartupSeconds);
    const bindAt = at + Math.min(1000, startup / 5);
    const startAt = at + Math.max(bindAt - at, Math.min(3000, (2 * startup) / 5));
    this.queue.push(bindAt, (time) => this.bind(entry, time));
    this.queue.push(startAt, (time) => this.start(entry, time));
    this.queue.push(at + startup, (time) => this.ready(entry, time));
  }

  /** Still the live pod, not deleted, not replaced by a pod of the same name. */
  private live(entry: PodEntry): boolean {
    const meta = entry.object.metadata;
    return this.store.pod(meta.namespace ?? 'default', meta.name) === entry;
  }

  // ---- scheduler ----

  private pickNode(entry: PodEntry): string {
    const mine = new Map<string, number>();
    for (const sibling of entry.owner?.pods ?? []) {
      const node = sibling.object.spec.nodeName;
      if (node !== undefined && isPodActive(sibling.object)) mine.set(node, (mine.get(node) ?? 0) + 1);
    }
    let best = this.nodes[0] as string;
    for (const node of this.nodes) {
      const a = [mine.get(node) ?? 0, this.podsOnNode.get(node) ?? 0];
      const b = [mine.get(best) ?? 0, this.podsOnNode.get(best) ?? 0];
      if ((a[0] as number) < (b[0] as number) || (a[0] === b[0] && (a[1] as number) < (b[1] as number)))
        best = node;
    }
    return best;
  }

  // ---- kubelet ----

  private bind(entry: PodEntry, at: number): void {
    if (!this.live(entry) || entry.object.metadata.deletionTimestamp !== undefined) return;
    const pod = entry.object;
    const node = this.pickNode(entry);
    const nodeIndex = this.nodes.indexOf(node);
    this.podsOnNode.set(node, (this.podsOnNode.get(node) ?? 0) + 1);
    const time = rfc3339(at);
    pod.spec.nodeName = node;
    setCondition(pod, 'PodReadyToStartContainers', 'False', time);
    setCondition(pod, 'Initialized', 'True', time);
    setCondition(pod, 'Ready', 'False', time, 'ContainersNotReady');
    setCondition(pod, 'ContainersReady', 'False', time, 'ContainersNotReady');
    setCondition(pod, 'PodScheduled', 'True', time);
    const hostIP = `10.128.0.${nodeIndex + 2}`;
    pod.status.hostIP = hostIP;
    pod.status.hostIPs = [{ ip: hostIP }];
    pod.status.startTime = time;
    pod.status.containerStatuses = pod.spec.containers.map((c) => ({
      name: c.name,
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: c.image ?? '',
      imageID: '',
      started: false,
    }));
    this.store.changePod(entry);
  }

  private start(entry: PodEntry, at: number): void {
    if (!this.live(entry) || entry.object.spec.nodeName === undefined) return;
    const pod = entry.object;
    const time = rfc3339(at);
    this.nextIp += 1;
    const podIP = `10.8.${Math.floor(this.nextIp / 250) % 250}.${(this.nextIp % 250) + 2}`;
    pod.status.phase = 'Running';
    pod.status.podIP = podIP;
    pod.status.podIPs = [{ ip: podIP }];
    setCondition(pod, 'PodReadyToStartContainers', 'True', time);
    pod.status.containerStatuses = (pod.status.containerStatuses ?? []).map((c) => ({
      ...c,
      state: { running: { startedAt: time } },
      imageID: `${c.image.replace(/:[^/:@]*$/, '')}@sha256:${createHash('sha256').update(c.image).digest('hex')}`,
      containerID: `containerd://${randomBytes(32).toString('hex')}`,
      started: true,
    }));
    this.store.changePod(entry);
  }

  private ready(entry: PodEntry, at: number): void {
    if (!this.live(entry) || entry.object.status.phase !== 'Running') return;
    if (entry.object.metadata.deletionTimestamp !== undefined) return;
    const pod = entry.object;
    const time = rfc3339(at);
    setCondition(pod, 'Ready', 'True', time);
    setCondition(pod, 'ContainersReady', 'True', time);
    for (const c of pod.status.containerStatuses ?? []) c.ready = true;
    this.store.changePod(entry);
    if (entry.owner === undefined) return;
    this.markDirty(entry.owner, at);
    const minReady = entry.owner.object.spec.minReadySeconds ?? 0;
    const owner = entry.owner;
    if (minReady > 0) this.queue.push(at + minReady * 1000, (time2) => this.markDirty(owner, time2));
  }

  // ---- termination ----

  private graceSeconds(entry: PodEntry): number {
    return (
      secondsAnnotation(entry.object.metadata.annotations, annotations.terminationGraceSeconds) ??
      secondsAnnotation(entry.owner?.object.metadata.annotations, annotations.terminationGraceSeconds) ??
      entry.object.spec.terminationGracePeriodSeconds ??
      30
    );
  }

  private terminate(entry: PodEntry, graceSeconds: number, at: number): void {
    const pod = entry.object;
    const graceMs = Math.round(graceSeconds * 1000);
    pod.metadata.deletionTimestamp = rfc3339(at + graceMs);
    pod.metadata.deletionGracePeriodSeconds = Math.ceil(graceSeconds);
    this.store.changePod(entry);
    this.queue.push(at + graceMs, (time) => this.disappear(entry, time));
  }

  private disappear(entry: PodEntry, at: number): void {
    if (!this.live(entry)) return;
    const node = entry.object.spec.nodeName;
    if (node !== undefined) this.podsOnNode.set(node, Math.max(0, (this.podsOnNode.get(node) ?? 0) - 1));
    this.store.removePod(entry);
    if (entry.owner !== undefined) this.markDirty(entry.owner, at);
  }

  private scaleInPod(entry: PodEntry, at: number): void {
    const pod = entry.object;
    const snapshot = {
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      deployment: entry.owner?.object.metadata.name ?? '',
      removedAt: at,
      phase: pod.status.phase,
      ready: isPodReady(pod),
      deletionCost: deletionCost(pod.metadata.annotations),
    };
    const probe = this.options.busyProbe;
    const copy = probe === undefined ? undefined : structuredClone(pod);
    this.terminate(entry, this.graceSeconds(entry), at);
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
    // Records keep the order in which pods were picked, whatever order the probes answer in.
    const recorded = Promise.all([this.lastRecord, answer]).then(([, result]) =>
      this.record({ ...snapshot, ...result }),
    );
    this.lastRecord = recorded;
    this.probes.add(recorded);
    void recorded.finally(() => this.probes.delete(recorded));
  }

  private record(record: RemovedPod): void {
    this.removed.push(record);
    this.options.onRemoved?.(record);
  }

  // ---- Deployment status ----

  private updateStatus(entry: DeploymentEntry, at: number): void {
    const d = entry.object;
    const minReadyMs = (d.spec.minReadySeconds ?? 0) * 1000;
    let replicas = 0;
    let updated = 0;
    let ready = 0;
    let available = 0;
    for (const { object: pod } of entry.pods) {
      if (!isPodActive(pod)) continue;
      replicas++;
      if (pod.metadata.labels?.['pod-template-hash'] === entry.templateHash) updated++;
      if (!isPodReady(pod)) continue;
      ready++;
      const readySince = podReadyTime(pod);
      if (minReadyMs === 0 || (readySince !== undefined && readySince + minReadyMs <= at)) available++;
    }
    const desired = d.spec.replicas;
    const status: DeploymentStatus = { observedGeneration: d.metadata.generation ?? 1 };
    if (replicas > 0) status.replicas = replicas;
    if (updated > 0) status.updatedReplicas = updated;
    if (ready > 0) status.readyReplicas = ready;
    if (available > 0) status.availableReplicas = available;
    if (desired - available > 0) status.unavailableReplicas = desired - available;
    status.conditions = this.conditions(entry, desired, available, updated, replicas, at);
    if (JSON.stringify(status) === JSON.stringify(d.status)) return;
    d.status = status;
    if (d.metadata.annotations?.['deployment.kubernetes.io/revision'] === undefined) {
      d.metadata.annotations = {
        ...(d.metadata.annotations ?? {}),
        'deployment.kubernetes.io/revision': '1',
      };
    }
    this.store.changeDeployment(entry);
  }

  private conditions(
    entry: DeploymentEntry,
    desired: number,
    available: number,
    updated: number,
    replicas: number,
    at: number,
  ): DeploymentCondition[] {
    const d: Deployment = entry.object;
    const time = rfc3339(at);
    const previous = new Map((d.status.conditions ?? []).map((c) => [c.type, c]));
    const maxUnavailable = Math.floor(desired * 0.25);
    const availableNow = available >= desired - maxUnavailable;
    const complete = updated === desired && replicas === desired && available === desired;
    const make = (
      type: string,
      status: 'True' | 'False',
      reason: string,
      message: string,
    ): DeploymentCondition => {
      const old = previous.get(type);
      const unchanged = old !== undefined && old.status === status && old.reason === reason;
      return {
        type,
        status,
        lastUpdateTime: unchanged ? old.lastUpdateTime : time,
        lastTransitionTime: old !== undefined && old.status === status ? old.lastTransitionTime : time,
        reason,
        message,
      };
    };
    return [
      availableNow
        ? make('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : make(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          ),
      complete
        ? make(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${entry.replicaSetName}" has successfully progressed.`,
          )
        : make(
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${entry.replicaSetName}" is progressing.`,
          ),
    ];
  }
}
