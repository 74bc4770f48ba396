/**
 * Simulated workers. Every Ready pod of a target (as the Kubernetes API lists it) takes images
 * from the target's open batches, holds at most imagesPerReplica at a time, spends
 * secondsPerImage (scaled) on each, and reports through the progress contract with
 * ProgressReporter: HINCRBY done per image, and a heartbeat `SET ...:pod:<name> <inFlight> EX ttl`
 * while holding work, DEL when idle. Batches are discovered in the ledger (`total`), where the
 * prescale function registered them; a dispatcher hands out each image once, like a queue.
 *
 * A pod picked for deletion stops taking images and finishes those it holds, as a worker does
 * on SIGTERM within the pod's terminationGracePeriodSeconds (the emulator keeps it Terminating
 * that long). What it still holds when the pod is gone, or when a pod stops being Ready, is lost:
 * counted as interrupted and put back for another pod.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../../shared/clock.js';
import { TargetKeys } from '../../shared/redis/keys.js';
import { ProgressReporter } from '../../shared/redis/progress.js';
import type { Pod } from '../kube/index.js';
import { PolledWorkers, type TrackedBatch } from './polled-workers.js';

export type { BatchProgress } from './polled-workers.js';

export interface WorkerTarget {
  readonly name: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly imagesPerReplica: number;
  /** Stack milliseconds per image. */
  readonly msPerImage: number;
}

export interface PodLister {
  listPods(namespace?: string, selector?: string): Pod[];
}

interface Batch extends TrackedBatch {
  closed: boolean;
}

interface PodWorker {
  readonly name: string;
  readonly target: WorkerTarget;
  readonly reporter: ProgressReporter;
  readonly held: Map<number, Batch>;
  alive: boolean;
  /** Picked for deletion: takes no new image, finishes what it holds. */
  draining: boolean;
  /** The timers of the images held, cleared when the worker goes. */
  readonly timers: Set<NodeJS.Timeout>;
  refresh: NodeJS.Timeout;
}

/** Does the pod belong to the target's Deployment (its ReplicaSet names it `<deployment>-<hash>-<id>`)? */
export function podOf(targets: readonly WorkerTarget[], pod: Pod): WorkerTarget | undefined {
  return targets.find(
    (t) => t.namespace === pod.metadata.namespace && pod.metadata.name.startsWith(`${t.deployment}-`),
  );
}

/** Every pod of the targets' Deployments, with its target and its `namespace/name` key. */
export function* targetPods(
  targets: readonly WorkerTarget[],
  lister: PodLister,
): Generator<{ target: WorkerTarget; pod: Pod; key: string }> {
  for (const target of targets) {
    for (const pod of lister.listPods(target.namespace)) {
      if (podOf([target], pod) !== undefined)
        yield { target, pod, key: `${target.namespace}/${pod.metadata.name}` };
    }
  }
}

export function ready(pod: Pod): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
  );
}

export interface WorkersOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly targets: readonly WorkerTarget[];
  readonly pods: PodLister;
  readonly clock: Clock;
  /** Heartbeat TTL in whole seconds (the contract's 30, scaled). */
  readonly heartbeatSeconds: number;
  /** How often pods and batches are looked at; default 50 ms. */
  readonly pollMs?: number;
}

export class Workers extends PolledWorkers<Batch> {
  private readonly workers = new Map<string, PodWorker>();
  private nextSlot = 0;
  /** Images lost because the pod holding them was removed. */
  interrupted = 0;
  /** Images of batches the ledger dropped (expired) before they were handed out. */
  dropped = 0;

  constructor(private readonly options: WorkersOptions) {
    super(options.pollMs ?? 50);
  }

  async stop(): Promise<void> {
    await this.halt();
    for (const worker of this.workers.values()) this.retire(worker, false);
    await Promise.all([...this.workers.values()].map((w) => w.reporter.heartbeat(0).catch(() => undefined)));
    this.workers.clear();
  }

  /** Pods currently holding images, per target. */
  busyPods(target: string): number {
    return [...this.workers.values()].filter((w) => w.target.name === target && w.held.size > 0).length;
  }

  /** Tells the workers a pod was picked for deletion: it takes nothing new and finishes what it holds. */
  podRemoved(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const worker = this.workers.get(key);
    if (worker) this.drain(key, worker);
  }

  /** Stops taking images; once nothing is held, the worker goes (its heartbeat with it). */
  private drain(key: string, worker: PodWorker): void {
    worker.draining = true;
    if (worker.held.size > 0) return;
    this.retire(worker, false);
    this.workers.delete(key);
  }

  protected async poll(): Promise<void> {
    if (this.stopped) return;
    await this.discoverBatches();
    const seen = new Set<string>();
    for (const { target, pod, key } of targetPods(this.options.targets, this.options.pods)) {
      const worker = this.workers.get(key);
      if (pod.metadata.deletionTimestamp !== undefined) {
        // Terminating: the worker finishes what it holds until the pod is gone.
        if (worker) {
          seen.add(key);
          this.drain(key, worker);
        }
        continue;
      }
      if (!ready(pod)) {
        if (worker) {
          this.retire(worker, true);
          this.workers.delete(key);
        }
        continue;
      }
      seen.add(key);
      if (!worker) this.workers.set(key, this.hire(target, pod.metadata.name));
    }
    for (const [key, worker] of this.workers) {
      if (!seen.has(key)) {
        this.retire(worker, true);
        this.workers.delete(key);
      }
    }
    for (const worker of this.workers.values()) this.fill(worker);
  }

  /** Reads each target's announced batches from the ledger (`total`). */
  private async discoverBatches(): Promise<void> {
    const now = this.options.clock.now();
    const pipeline = this.options.redis.pipeline();
    for (const target of this.options.targets)
      pipeline.hgetall(new TargetKeys(this.options.prefix, target.name).total);
    const results = (await pipeline.exec()) ?? [];
    this.options.targets.forEach((target, i) => {
      const [error, value] = results[i] ?? [null, {}];
      if (error) throw error;
      const totals = value as Record<string, string>;
      for (const [batchId, raw] of Object.entries(totals)) {
        const key = `${target.name}\u0000${batchId}`;
        const total = Number(raw);
        const batch = this.batches.get(key);
        if (batch) batch.total = Math.max(batch.total, total);
        else
          this.batches.set(key, {
            target: target.name,
            batchId,
            total,
            issued: 0,
            done: 0,
            firstSeenMs: now,
            closed: false,
          });
      }
      // A batch that left `total` unfinished was expired by reconcile: stop handing it out.
      for (const batch of this.batches.values()) {
        if (batch.target !== target.name || batch.closed || batch.batchId in totals) continue;
        if (batch.done < batch.total) {
          this.dropped += batch.total - batch.issued;
          batch.closed = true;
        }
      }
    });
  }

  private hire(target: WorkerTarget, name: string): PodWorker {
    const reporter = new ProgressReporter(
      this.options.redis,
      target.name,
      name,
      this.options.prefix,
      this.options.heartbeatSeconds,
    );
    const worker: PodWorker = {
      name,
      target,
      reporter,
      held: new Map(),
      alive: true,
      draining: false,
      timers: new Set(),
      refresh: setInterval(
        () => {
          if (worker.held.size > 0)
            void reporter.heartbeat(worker.held.size).catch((e: unknown) => this.note(e));
        },
        (this.options.heartbeatSeconds * 1000) / 3,
      ),
    };
    return worker;
  }

  /** Stops a worker; with `lost`, the images it holds are interrupted and handed out again. */
  private retire(worker: PodWorker, lost: boolean): void {
    if (!worker.alive) return;
    worker.alive = false;
    clearInterval(worker.refresh);
    for (const timer of worker.timers) clearTimeout(timer);
    worker.timers.clear();
    for (const batch of worker.held.values()) {
      if (lost) this.interrupted++;
      batch.issued--;
    }
    worker.held.clear();
    void worker.reporter.heartbeat(0).catch((e: unknown) => this.note(e));
  }

  /** The oldest open batch of the target with an image not handed out yet. */
  private nextBatch(target: string): Batch | undefined {
    for (const batch of this.batches.values()) {
      if (batch.target === target && !batch.closed && batch.issued < batch.total) return batch;
    }
    return undefined;
  }

  private fill(worker: PodWorker): void {
    let claimed = false;
    while (worker.alive && !worker.draining && worker.held.size < worker.target.imagesPerReplica) {
      const batch = this.nextBatch(worker.target.name);
      if (!batch) break;
      batch.issued++;
      const slot = this.nextSlot++;
      worker.held.set(slot, batch);
      claimed = true;
      const timer = setTimeout(() => {
        worker.timers.delete(timer);
        void this.finish(worker, slot, batch);
      }, worker.target.msPerImage);
      worker.timers.add(timer);
    }
    if (claimed) void worker.reporter.heartbeat(worker.held.size).catch((e: unknown) => this.note(e));
  }

  private async finish(worker: PodWorker, slot: number, batch: Batch): Promise<void> {
    if (!worker.alive || worker.held.get(slot) !== batch) return;
    worker.held.delete(slot);
    batch.done++;
    if (batch.done >= batch.total) batch.finishedMs = this.options.clock.now();
    try {
      await worker.reporter.done(batch.batchId, 1);
      // A draining worker goes with its last image (its heartbeat deleted as it goes).
      if (worker.draining && worker.held.size === 0)
        return this.drain(`${worker.target.namespace}/${worker.name}`, worker);
      // Take the next image before the heartbeat, so a pod with work never shows as idle.
      this.fill(worker);
      await worker.reporter.heartbeat(worker.held.size);
    } catch (error) {
      this.note(error);
    }
  }
}
