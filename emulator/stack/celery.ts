/**
 * `--celery`: the thumbnail target of the local stack served by real Celery workers (Python,
 * workers/python/examples/thumbnails.py with prescaler_progress.celery) on the stack's Redis as
 * broker, instead of simulated workers. Every Ready pod of the target gets its own
 * `celery worker` process (HOSTNAME = the pod's name, concurrency = imagesPerReplica); a pod
 * picked for deletion gets SIGTERM (Celery's warm shutdown finishes the task it holds). Each
 * batch the ledger announces is sent as Celery tasks carrying the `prescaler_batch` header.
 * Progress, for the view and the demo's checks, is read back from the ledger.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Clock } from '../../shared/clock.js';
import { Ledger } from '../../shared/redis/ledger.js';
import { MissingPrerequisites } from './prerequisites.js';
import type { Child, ProcessGroup } from './processes.js';
import { podOf, ready, type PodLister, type WorkerTarget } from './workers.js';
import type { StackWorkers } from './worker-set.js';
import { PolledWorkers } from './polled-workers.js';

/** The stack's target that Celery serves with --celery: the one declared in the Celery manifest. */
export const CELERY_MANIFEST = 'celery-worker.yaml';

/** An interpreter with redis-py and Celery: $PYTHON, python3 on PATH, or /usr/bin/python3. */
export function findPython(): string {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'import redis, celery'], { stdio: 'ignore' }).status === 0) return python;
  }
  throw new MissingPrerequisites([
    {
      what: 'a Python 3 with redis-py and Celery (for --celery)',
      install:
        'apt-get install -y python3-redis python3-celery   (or set PYTHON to an interpreter that has them)',
    },
  ]);
}

/** Where the library and the Celery sample live, as PYTHONPATH entries. */
export function pythonPaths(root: string): { src: string; examples: string } {
  return {
    src: join(root, 'workers', 'python', 'src'),
    examples: join(root, 'workers', 'python', 'examples'),
  };
}

export interface CeleryWorkersOptions {
  readonly root: string;
  readonly python: string;
  readonly group: ProcessGroup;
  readonly logsDir: string;
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly target: WorkerTarget;
  readonly pods: PodLister;
  readonly clock: Clock;
  /** Heartbeat TTL in seconds (the contract's 30, scaled). */
  readonly heartbeatSeconds: number;
  readonly pollMs?: number;
}

export class CeleryWorkers extends PolledWorkers implements StackWorkers {
  private readonly ledger: Ledger;
  private readonly workers = new Map<string, Child>();
  private busy = 0;
  readonly interrupted = 0;

  constructor(private readonly options: CeleryWorkersOptions) {
    super(options.pollMs ?? 100, 'celery: ');
    this.ledger = new Ledger(options.prefix);
  }

  private env(hostname: string): NodeJS.ProcessEnv {
    const { src, examples } = pythonPaths(this.options.root);
    return {
      ...process.env,
      HOSTNAME: hostname,
      PYTHONPATH: [src, examples].join(':'),
      PRESCALER_CELERY_BROKER: this.options.redisUrl,
      PRESCALER_CELERY_QUEUE: 'thumbnails',
      PRESCALER_CELERY_TARGET: this.options.target.name,
      PRESCALER_CELERY_PREFIX: this.options.prefix,
      PRESCALER_CELERY_TTL: String(this.options.heartbeatSeconds),
    };
  }

  async stop(): Promise<void> {
    await this.halt();
    await Promise.all([...this.workers.values()].map((w) => w.stop(5000)));
    this.workers.clear();
  }

  busyPods(target: string): number {
    return target === this.options.target.name ? this.busy : 0;
  }

  /** A pod picked for deletion: its worker gets SIGTERM and finishes what it holds. */
  podRemoved(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const worker = this.workers.get(key);
    if (!worker) return;
    this.workers.delete(key);
    void worker.stop(15_000).catch((error: unknown) => this.note(error));
  }

  protected async poll(): Promise<void> {
    if (this.stopped) return;
    const { target, pods, redis, clock } = this.options;
    const names: string[] = [];
    for (const pod of pods.listPods(target.namespace)) {
      if (podOf([target], pod) === undefined) continue;
      const key = `${target.namespace}/${pod.metadata.name}`;
      if (ready(pod)) names.push(pod.metadata.name);
      if (ready(pod) && !this.workers.has(key)) this.workers.set(key, this.hire(pod.metadata.name));
      if (!ready(pod) && this.workers.has(key)) this.podRemoved(target.namespace, pod.metadata.name);
    }
    for (const key of this.workers.keys()) {
      const name = key.slice(target.namespace.length + 1);
      if (!names.includes(name)) this.podRemoved(target.namespace, name);
    }
    const keys = this.ledger.keys(target.name);
    const [totals, done, failed, inFlight] = await Promise.all([
      redis.hgetall(keys.total),
      redis.hgetall(keys.done),
      redis.hgetall(keys.failed),
      this.ledger.inFlight(redis, target.name, names),
    ]);
    this.busy = [...inFlight.values()].filter((n) => n > 0).length;
    const now = clock.now();
    for (const [batchId, raw] of Object.entries(totals)) {
      const batch = this.batches.get(batchId) ?? {
        target: target.name,
        batchId,
        total: 0,
        issued: 0,
        done: 0,
        firstSeenMs: now,
      };
      this.batches.set(batchId, batch);
      batch.total = Math.max(batch.total, Number(raw));
      if (batch.issued < batch.total) {
        this.send(batchId, batch.total - batch.issued);
        batch.issued = batch.total;
      }
    }
    for (const [batchId, batch] of this.batches) {
      const progress = Number(done[batchId] ?? 0) + Number(failed[batchId] ?? 0);
      batch.done = Math.max(batch.done, Math.min(batch.total, progress));
      if (batch.finishedMs === undefined && batch.total > 0 && batch.done >= batch.total)
        batch.finishedMs = now;
    }
  }

  private hire(name: string): Child {
    const { python, group, logsDir, target } = this.options;
    const child = group.spawn({
      name: `celery ${name}`,
      command: python,
      args: [
        '-m',
        'celery',
        '-A',
        'thumbnails',
        'worker',
        '--pool',
        'prefork',
        '--concurrency',
        String(target.imagesPerReplica),
        '--prefetch-multiplier',
        '1',
        '-Q',
        'thumbnails',
        '--hostname',
        `${name}@stack`,
        '--loglevel',
        'INFO',
      ],
      env: this.env(name),
      cwd: pythonPaths(this.options.root).examples,
      logFile: join(logsDir, `celery-${name}.log`),
    });
    void child.exited.then((exit) => {
      if (!this.stopped && this.workers.get(`${target.namespace}/${name}`) === child)
        this.note(new Error(`the worker of ${name} exited (${exit.code ?? exit.signal}); see its log`));
    });
    return child;
  }

  /** Sends `count` tasks of the batch, as the application that announced it would. */
  private send(batchId: string, count: number): void {
    const { python, group, logsDir, target } = this.options;
    const child = group.spawn({
      name: `celery send ${batchId}`,
      command: python,
      args: [
        'send_thumbnails.py',
        this.options.redisUrl,
        'thumbnails',
        batchId,
        String(count),
        String(target.msPerImage / 1000),
      ],
      env: this.env('sender'),
      cwd: pythonPaths(this.options.root).examples,
      logFile: join(logsDir, 'celery-send.log'),
    });
    void child.exited.then((exit) => {
      if (exit.code !== 0)
        this.note(new Error(`sending ${count} tasks of ${batchId} failed: ${child.lastLines}`));
    });
  }
}
