/**
 * The kubelets and graceful deletion. A pod's life (S = the Deployment's startup seconds,
 * annotation `startup-seconds`, default 5):
 *   created  Pending, unscheduled                       at t
 *   bound    Pending, on a node, ContainerCreating      at t + min(1 s, S/5)
 *   started  Running, not ready                         at t + min(3 s, 2S/5)
 *   ready    Running, Ready (lastTransitionTime set)    at t + S
 * A deleted pod gets a deletionTimestamp (now + grace) and disappears when the grace period ends,
 * as the registry's graceful deletion (pkg/registry/core/pod/strategy.go, CheckGracefulDelete) and
 * the kubelet's kill (pkg/kubelet/pod_workers.go) do. Grace: annotation
 * `termination-grace-seconds` on the pod or the Deployment, else the template's
 * terminationGracePeriodSeconds, else 30. Conditions follow pkg/kubelet/status/generate.go.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rfc3339, type Pod, type PodCondition } from '../apis/objects.js';
import type { DeploymentEntry, PodEntry, Store } from '../storage/store.js';
import { annotations, defaultStartupSeconds, secondsAnnotation } from './annotations.js';
import type { EventQueue } from './queue.js';
import type { Scheduler } from './scheduler.js';

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

/** The image digest reference a container runtime reports for an image, made once per image. */
const imageIds = new Map<string, string>();

function imageIdOf(image: string): string {
  let id = imageIds.get(image);
  if (id === undefined) {
    id = `${image.replace(/:[^/:@]*$/, '')}@sha256:${createHash('sha256').update(image).digest('hex')}`;
    if (imageIds.size >= 1024) imageIds.clear();
    imageIds.set(image, id);
  }
  return id;
}

/** Random bytes drawn from a pool filled 4 KiB at a time (one system call per 128 container ids). */
let pool = Buffer.alloc(0);
let used = 0;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

export class Kubelet {
  private nextIp = 0;

  constructor(
    private readonly store: Store,
    private readonly queue: EventQueue,
    private readonly scheduler: Scheduler,
    /** Tells the owner's controllers that one of its pods changed, at a time. */
    private readonly ownerChanged: (owner: DeploymentEntry, at: number) => void,
  ) {}

  /** Plans a new pod's binding, start and readiness from its creation time `at`. */
  admit(entry: PodEntry, owner: DeploymentEntry, at: number): void {
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

  private bind(entry: PodEntry, at: number): void {
    if (!this.live(entry) || entry.object.metadata.deletionTimestamp !== undefined) return;
    const pod = entry.object;
    const node = this.scheduler.place(entry);
    const nodeIndex = this.scheduler.nodes.indexOf(node);
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
      imageID: imageIdOf(c.image),
      containerID: `containerd://${randomHex(32)}`,
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
    const owner = entry.owner;
    if (owner === undefined) return;
    this.ownerChanged(owner, at);
    const minReady = owner.object.spec.minReadySeconds ?? 0;
    if (minReady > 0) this.queue.push(at + minReady * 1000, (time2) => this.ownerChanged(owner, time2));
  }

  /**
   * A readiness probe's verdict on a running pod: Ready (and ContainersReady) turn False with
   * reason ContainersNotReady, or True again (pkg/kubelet/status generateContainersReadyCondition).
   */
  setReady(entry: PodEntry, ready: boolean, at: number): void {
    if (!this.live(entry) || entry.object.status.phase !== 'Running') return;
    const pod = entry.object;
    const time = rfc3339(at);
    const reason = ready ? undefined : 'ContainersNotReady';
    setCondition(pod, 'Ready', ready ? 'True' : 'False', time, reason);
    setCondition(pod, 'ContainersReady', ready ? 'True' : 'False', time, reason);
    for (const c of pod.status.containerStatuses ?? []) c.ready = ready;
    this.store.changePod(entry);
    if (entry.owner !== undefined) this.ownerChanged(entry.owner, at);
  }

  /** The grace period a deletion without an explicit one gets. */
  graceSeconds(entry: PodEntry): number {
    return (
      secondsAnnotation(entry.object.metadata.annotations, annotations.terminationGraceSeconds) ??
      secondsAnnotation(entry.owner?.object.metadata.annotations, annotations.terminationGraceSeconds) ??
      entry.object.spec.terminationGracePeriodSeconds ??
      30
    );
  }

  /** Marks the pod Terminating for `graceSeconds`, then removes it. */
  terminate(entry: PodEntry, graceSeconds: number, at: number): void {
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
    if (node !== undefined) this.scheduler.release(node);
    this.store.removePod(entry);
    if (entry.owner !== undefined) this.ownerChanged(entry.owner, at);
  }
}
