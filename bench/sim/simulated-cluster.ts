/**
 * One simulated Deployment and its pods, the same physics for every policy:
 * - a pod is Running but not Ready for `startupSeconds` after it is created (model load), e.g.
 *   created at 100 s with startupSeconds 30 -> Ready at 130 s;
 * - a Ready pod holds up to `imagesPerReplica` images at once, each taking `secondsPerImage`,
 *   e.g. 1 per replica at 5 s: a pod Ready at 130 s with work waiting finishes images at 135,
 *   140, 145 s, 12 images a minute;
 * - arrived images wait FIFO in the target's backlog and go to a free slot at once (workers pull;
 *   the least-loaded Ready pod first);
 * - a scale-in removes pods in the ReplicaSet's own order (`deletionOrder`, with the pods'
 *   pod-deletion-cost annotations); a removed pod drops the images it holds: they go back to the
 *   front of the backlog and count as interrupted.
 * Every pod sits on a node of its own (one model server per GPU node), so the ReplicaSet's
 * "more pods on the node first" rule is neutral. Time is virtual: `nowMs` is passed in.
 */
import type { TargetSpec } from '../../shared/config/registry.js';
import { DELETION_COST_ANNOTATION, deletionOrder } from '../../shared/kube/pod-order.js';
import type { CostChange, PodState } from '../../shared/deletion-costs.js';
import type { DeploymentView } from './policy.js';
import type { Random } from './random.js';
import type { Batch } from './workload.js';

export interface BatchState {
  readonly batch: Batch;
  readonly announcedMs: number;
  arrivedMs?: number;
  done: number;
  doneMs?: number;
}

interface Job {
  readonly id: number;
  readonly batch: BatchState;
  readonly doneAtMs: number;
}

export interface SimPod {
  readonly name: string;
  readonly uid: string;
  readonly nodeName: string;
  readonly createdMs: number;
  ready: boolean;
  readySinceMs?: number;
  annotations: Record<string, string>;
  jobs: Job[];
}

/** What the Deployment asks the simulator to schedule. */
export type Wakeup =
  { kind: 'ready'; pod: string; atMs: number } | { kind: 'done'; pod: string; job: number; atMs: number };

export interface DeploymentCounters {
  /** Sum over time of pods existing, starting ones included, in pod-milliseconds. */
  podMs: number;
  interrupted: number;
  scaleWrites: number;
  annotationWrites: number;
}

export class SimDeployment {
  readonly pods = new Map<string, SimPod>();
  readonly batches = new Map<string, BatchState>();
  /** FIFO of images waiting: runs of images of one batch. */
  private backlog: Array<{ batch: BatchState; count: number }> = [];
  private queuedCount = 0;
  private startedCount = 0;
  private waitedMs = 0;
  private outstandingCount = 0;
  private replicas = 0;
  private podSerial = 0;
  private jobSerial = 0;
  private accountedMs = 0;
  readonly counters: DeploymentCounters = {
    podMs: 0,
    interrupted: 0,
    scaleWrites: 0,
    annotationWrites: 0,
  };

  constructor(
    readonly target: TargetSpec,
    private readonly random: Random,
    private readonly wake: (wakeup: Wakeup) => void,
  ) {}

  get spec(): number {
    return this.replicas;
  }

  get queued(): number {
    return this.queuedCount;
  }

  get readyPods(): number {
    let ready = 0;
    for (const pod of this.pods.values()) if (pod.ready) ready++;
    return ready;
  }

  /** Pods that exist at the start, Ready since long ago; not counted as a scale write. */
  start(replicas: number, nowMs: number): void {
    this.accountedMs = nowMs;
    for (let i = 0; i < replicas; i++) {
      const pod = this.newPod(nowMs - 3_600_000);
      pod.ready = true;
      pod.readySinceMs = nowMs - 3_600_000;
    }
    this.replicas = replicas;
  }

  view(nowMs: number): DeploymentView {
    const pods: PodState[] = [];
    for (const pod of this.pods.values()) {
      pods.push({
        name: pod.name,
        uid: pod.uid,
        nodeName: pod.nodeName,
        phase: 'Running',
        ready: pod.ready,
        readySinceMs: pod.readySinceMs,
        createdMs: pod.createdMs,
        restarts: 0,
        annotations: { ...pod.annotations },
        inFlight: pod.jobs.length,
      });
    }
    let open = 0;
    for (const state of this.batches.values()) if (state.doneMs === undefined) open++;
    return {
      target: this.target,
      nowMs,
      replicas: this.replicas,
      pods,
      queued: this.queuedCount,
      outstanding: this.outstandingCount,
      openBatches: open,
      started: this.startedCount,
      waitedMs: this.waitedMs,
    };
  }

  /** The pipeline announced a batch: the ledger knows of it from now on. */
  announce(batch: Batch, nowMs: number): BatchState {
    if (this.batches.has(batch.batchId)) {
      throw new Error(`batch "${batch.batchId}" of ${this.target.name} is announced twice`);
    }
    const state: BatchState = { batch, announcedMs: nowMs, done: 0 };
    this.batches.set(batch.batchId, state);
    this.outstandingCount += batch.images;
    return state;
  }

  /** The batch's images land in the backlog. */
  arrive(batchId: string, nowMs: number): void {
    const state = this.batches.get(batchId);
    if (state === undefined) throw new Error(`batch "${batchId}" arrived without an announcement`);
    state.arrivedMs = nowMs;
    this.backlog.push({ batch: state, count: state.batch.images });
    this.queuedCount += state.batch.images;
    this.dispatch(nowMs);
  }

  /** Writes pod annotations (pod-deletion-cost); null removes the annotation. */
  annotate(changes: readonly CostChange[]): void {
    for (const change of changes) {
      const pod = this.pods.get(change.pod);
      if (pod === undefined) continue;
      if (change.cost === null) delete pod.annotations[DELETION_COST_ANNOTATION];
      else pod.annotations[DELETION_COST_ANNOTATION] = change.cost;
      this.counters.annotationWrites++;
    }
  }

  /** Writes spec.replicas; the ReplicaSet creates or removes pods at once. */
  scale(to: number, nowMs: number): void {
    if (!Number.isInteger(to) || to < 0) throw new RangeError(`cannot scale to ${to} replicas`);
    if (to === this.replicas) return;
    this.account(nowMs);
    this.counters.scaleWrites++;
    this.replicas = to;
    if (to > this.pods.size) {
      for (let n = this.pods.size; n < to; n++) {
        const pod = this.newPod(nowMs);
        this.wake({ kind: 'ready', pod: pod.name, atMs: nowMs + (this.target.startupSeconds ?? 0) * 1000 });
      }
    } else {
      const order = deletionOrder(this.view(nowMs).pods, nowMs);
      for (const victim of order.slice(0, this.pods.size - to)) this.remove(victim.name);
      this.dispatch(nowMs);
    }
  }

  /** A pod finished loading its model. Returns false if the pod was removed meanwhile. */
  podReady(name: string, nowMs: number): boolean {
    const pod = this.pods.get(name);
    if (pod === undefined) return false;
    pod.ready = true;
    pod.readySinceMs = nowMs;
    this.dispatch(nowMs);
    return true;
  }

  /** An image finished. Returns the batch if it was the batch's last image. */
  jobDone(name: string, jobId: number, nowMs: number): BatchState | undefined {
    const pod = this.pods.get(name);
    const index = pod?.jobs.findIndex((job) => job.id === jobId) ?? -1;
    if (pod === undefined || index < 0) return undefined; // the pod was removed: the image was requeued
    const [job] = pod.jobs.splice(index, 1) as [Job];
    job.batch.done++;
    this.outstandingCount--;
    let finished: BatchState | undefined;
    if (job.batch.done === job.batch.batch.images) {
      job.batch.doneMs = nowMs;
      finished = job.batch;
    }
    this.dispatch(nowMs);
    return finished;
  }

  /** Adds pod-time up to `nowMs`; call before the pod count changes and at the end. */
  account(nowMs: number): void {
    this.counters.podMs += this.pods.size * (nowMs - this.accountedMs);
    this.accountedMs = nowMs;
  }

  private newPod(createdMs: number): SimPod {
    const serial = this.podSerial++;
    const uid = Math.floor(this.random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
    const name = `${this.target.deployment}-${serial.toString(36).padStart(5, '0')}`;
    const pod: SimPod = {
      name,
      uid,
      nodeName: `node-${name}`,
      createdMs,
      ready: false,
      annotations: {},
      jobs: [],
    };
    this.pods.set(name, pod);
    return pod;
  }

  private remove(name: string): void {
    const pod = this.pods.get(name);
    if (pod === undefined) return;
    this.pods.delete(name);
    // Interrupted images go back to the front of the backlog, newest first so FIFO order holds.
    for (const job of [...pod.jobs].reverse()) {
      this.backlog.unshift({ batch: job.batch, count: 1 });
      this.queuedCount++;
      this.counters.interrupted++;
    }
  }

  private freePod(): SimPod | undefined {
    let best: SimPod | undefined;
    for (const pod of this.pods.values()) {
      if (!pod.ready || pod.jobs.length >= this.target.imagesPerReplica) continue;
      if (best === undefined || pod.jobs.length < best.jobs.length) best = pod;
    }
    return best;
  }

  private dispatch(nowMs: number): void {
    const perImageMs = (this.target.secondsPerImage ?? 0) * 1000;
    while (this.queuedCount > 0) {
      const pod = this.freePod();
      if (pod === undefined) return;
      const run = this.backlog[0] as { batch: BatchState; count: number };
      run.count--;
      if (run.count === 0) this.backlog.shift();
      this.queuedCount--;
      this.startedCount++;
      this.waitedMs += nowMs - (run.batch.arrivedMs ?? nowMs);
      const job: Job = { id: this.jobSerial++, batch: run.batch, doneAtMs: nowMs + perImageMs };
      pod.jobs.push(job);
      this.wake({ kind: 'done', pod: pod.name, job: job.id, atMs: job.doneAtMs });
    }
  }
}
