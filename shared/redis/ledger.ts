/**
 * The batch ledger: the Redis adapter both functions use. Each method is one round trip (one
 * script or one command), whatever the number of batches, so a reconcile pass costs a fixed
 * number of round trips per target.
 */
import type { RedisClient } from './client.js';
import type { DeadlineWork, WorkSummary } from '../sizing.js';
import { DEFAULT_KEY_PREFIX, TargetKeys } from './keys.js';
import { scripts } from './scripts.js';

/** `reopened`: a batch that had expired, announced again; its images are owed again. */
export type RegisterStatus = 'new' | 'raised' | 'duplicate' | 'reopened';
const REGISTER_STATUS: readonly RegisterStatus[] = ['new', 'raised', 'duplicate', 'reopened'];

export interface Registration {
  readonly status: RegisterStatus;
  /** The batch's total after registering. */
  readonly total: number;
  readonly work: WorkSummary;
}

export interface ScaleInEvent {
  readonly atMs: number;
  readonly from: number;
  readonly to: number;
}

export interface ReconcileState {
  readonly work: WorkSummary;
  /** Highest recommendation in the stabilization window, or undefined when it is empty. */
  readonly windowMax: number | undefined;
  /** The last recommendation recorded; a pass records only a different one. */
  readonly lastRecommended: number | undefined;
  readonly recentScaleIns: readonly ScaleInEvent[];
  readonly retired: readonly string[];
  /** How long (ms) the whole target has shown no progress; undefined without open work. */
  readonly stalledMs: number | undefined;
  /** The fence: registrations that added work so far (see `recordScaleIn`). */
  readonly generation: number;
}

export interface ExpiredBatch {
  readonly batchId: string;
  readonly outstanding: number;
}

export interface Expiry {
  /** Batches expired now (all open batches of the target, or none). */
  readonly expired: readonly ExpiredBatch[];
  /** The target's work after the expiry (unchanged in a dry run). */
  readonly work: WorkSummary | undefined;
}

/** A scale-in to record ahead of its write, decided on the ledger's `generation`. */
export interface ScaleInRecord extends DecisionRecord {
  readonly generation: number;
}

export interface ReconcileReadOptions {
  readonly nowMs: number;
  readonly staleMs: number;
  readonly windowMs: number;
  readonly periodMs: number;
  /** False for a dry run: report, write nothing. */
  readonly mutate: boolean;
}

export interface DecisionRecord {
  readonly nowMs: number;
  /** The recommendation to remember in the stabilization window; omit to leave it alone. */
  readonly recommended?: number;
  readonly from: number;
  readonly to: number;
  /** Kept in the recent-decisions list; omit for a pass that changed nothing. */
  readonly decision?: Record<string, unknown>;
}

/** Tombstones of retired batches are kept a week: Pub/Sub may redeliver for up to 7 days. */
export const RETENTION_MS = 7 * 86_400_000;
export const DECISIONS_KEPT = 50;

function deadlinesFrom(flat: unknown[]): DeadlineWork[] {
  const deadlines: DeadlineWork[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    deadlines.push({ outstanding: Number(flat[i]), deadlineMs: Number(flat[i + 1]) });
  }
  return deadlines;
}

/** The ARGV of lib.lua's `remember`, shared by record.lua and scalein.lua. */
function recordArgs(record: DecisionRecord): Array<string | number> {
  return [
    record.nowMs,
    record.recommended ?? '',
    record.from,
    record.to,
    record.decision ? JSON.stringify(record.decision) : '',
    DECISIONS_KEPT,
  ];
}

export class Ledger {
  constructor(readonly prefix = DEFAULT_KEY_PREFIX) {}

  keys(target: string): TargetKeys {
    return new TargetKeys(this.prefix, target);
  }

  /** Registers a batch (idempotent per target and batchId) and returns the target's work. */
  async register(
    redis: RedisClient,
    target: string,
    batch: { batchId: string; images: number; deadlineMs?: number | undefined },
    nowMs: number,
  ): Promise<Registration> {
    const raw = (await scripts.register.run(redis, this.keys(target).batchKeys, [
      batch.batchId,
      batch.images,
      nowMs,
      batch.deadlineMs ?? '',
    ])) as [number, number, number, number, unknown[]];
    const [status, total, outstanding, openBatches, deadlines] = raw;
    return {
      status: REGISTER_STATUS[status] ?? 'duplicate',
      total,
      work: { outstanding, openBatches, deadlines: deadlinesFrom(deadlines) },
    };
  }

  /**
   * Waits until `replicas` replicas hold every write made so far on this connection (WAIT), on
   * the node holding the target's keys (a pipeline goes where its key's slot lives); returns how
   * many confirmed within `timeoutMs`.
   */
  async confirm(redis: RedisClient, target: string, replicas: number, timeoutMs: number): Promise<number> {
    const results = await redis.pipeline().exists(this.keys(target).total).wait(replicas, timeoutMs).exec();
    const [, waited] = results ?? [];
    if (waited?.[0]) throw waited[0];
    return Number(waited?.[1] ?? 0);
  }

  /**
   * The target's open work as the Lua `summarize` counts it (finished batches left out; stalled
   * ones still counted until reconcile expires them), read only: a dry run of `sweepAndRead`.
   */
  async summary(redis: RedisClient, target: string, nowMs: number): Promise<WorkSummary> {
    const options = { nowMs, staleMs: Number.MAX_SAFE_INTEGER, windowMs: 0, periodMs: 0, mutate: false };
    return (await this.sweepAndRead(redis, target, options)).work;
  }

  /**
   * Sweeps, then reads: retires finished batches and trims old history (unless `options.mutate`
   * is false), and returns the target's work, history, stall time and fence generation. Expiry is
   * `expire`'s, which looks at the whole target.
   */
  async sweepAndRead(
    redis: RedisClient,
    target: string,
    options: ReconcileReadOptions,
  ): Promise<ReconcileState> {
    const keys = this.keys(target);
    const raw = (await scripts.reconcile.run(
      redis,
      [...keys.batchKeys, keys.window, keys.scaleIns],
      [
        options.nowMs,
        options.staleMs,
        options.windowMs,
        options.periodMs,
        RETENTION_MS,
        options.mutate ? 1 : 0,
      ],
    )) as [number, number, unknown[], number, string[], string[], number, number, number];
    const [outstanding, openBatches, deadlines, windowMax, recent, retired, stalled, last, gen] = raw;
    return {
      work: { outstanding, openBatches, deadlines: deadlinesFrom(deadlines) },
      windowMax: windowMax >= 0 ? windowMax : undefined,
      lastRecommended: last >= 0 ? last : undefined,
      recentScaleIns: recent.map((member) => {
        const [atMs, from, to] = member.split(':').map(Number);
        return { atMs: atMs ?? 0, from: from ?? 0, to: to ?? 0 };
      }),
      retired,
      stalledMs: stalled >= 0 ? stalled : undefined,
      generation: gen,
    };
  }

  /**
   * Expires the target's open work if it has shown no progress for `staleMs` while `ready`
   * (it has Ready pods); without Ready pods it restarts the stale clock instead.
   */
  async expire(
    redis: RedisClient,
    target: string,
    options: { nowMs: number; staleMs: number; ready: boolean; mutate: boolean },
  ): Promise<Expiry> {
    const raw = (await scripts.expire.run(redis, this.keys(target).batchKeys, [
      options.nowMs,
      options.staleMs,
      options.ready ? 1 : 0,
      options.mutate ? 1 : 0,
    ])) as [unknown[], number, number, unknown[]];
    const [flat, outstanding, openBatches, deadlines] = raw;
    const expired: ExpiredBatch[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      expired.push({ batchId: String(flat[i]), outstanding: Number(flat[i + 1]) });
    }
    const changed = options.mutate && expired.length > 0;
    return {
      expired,
      work: changed ? { outstanding, openBatches, deadlines: deadlinesFrom(deadlines) } : undefined,
    };
  }

  /**
   * Records a scale-in before it is written, if the fence still stands: no registration added
   * work since `record.generation` was read. Returns false (and records nothing) otherwise.
   */
  async recordScaleIn(redis: RedisClient, target: string, record: ScaleInRecord): Promise<boolean> {
    const keys = this.keys(target);
    const [recorded] = (await scripts.scaleIn.run(
      redis,
      [keys.gen, keys.window, keys.scaleIns, keys.decisions],
      [record.generation, ...recordArgs(record)],
    )) as [number, number];
    return recorded === 1;
  }

  /** Takes back a recorded scale-in whose write was refused (so it removed nothing). */
  async unrecordScaleIn(redis: RedisClient, target: string, record: ScaleInEvent): Promise<void> {
    await redis.zrem(this.keys(target).scaleIns, `${record.atMs}:${record.from}:${record.to}`);
  }

  /** The fence's current generation. */
  async generation(redis: RedisClient, target: string): Promise<number> {
    return Number((await redis.get(this.keys(target).gen)) ?? 0);
  }

  /** Remembers a decision (window entry, scale-in history, recent-decisions list). */
  async record(redis: RedisClient, target: string, record: DecisionRecord): Promise<void> {
    const keys = this.keys(target);
    await scripts.record.run(redis, [keys.window, keys.scaleIns, keys.decisions], recordArgs(record));
  }

  /**
   * Images in flight per pod, from the workers' heartbeats (the plain one plus the pod's live
   * holders); pods without either are idle.
   */
  async inFlight(redis: RedisClient, target: string, pods: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (pods.length === 0) return result;
    const keys = this.keys(target);
    const counts = (await scripts.inflight.run(
      redis,
      pods.flatMap((pod) => [keys.pod(pod), keys.holders(pod)]),
      [],
    )) as number[];
    pods.forEach((pod, i) => result.set(pod, Number(counts[i] ?? 0)));
    return result;
  }

  async recentDecisions(
    redis: RedisClient,
    target: string,
    count = 10,
  ): Promise<Array<Record<string, unknown>>> {
    const raw = await redis.lrange(this.keys(target).decisions, 0, count - 1);
    return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
