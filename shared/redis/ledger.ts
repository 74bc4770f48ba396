/**
 * The batch ledger: the Redis adapter both functions use. Each method is one round trip (one
 * script or one command), whatever the number of batches, so a reconcile pass costs a fixed
 * number of round trips per target.
 */
import type { Redis } from 'ioredis';
import type { DeadlineWork, WorkSummary } from '../sizing.js';
import { DEFAULT_KEY_PREFIX, TargetKeys } from './keys.js';
import { scripts } from './scripts.js';

export type RegisterStatus = 'new' | 'raised' | 'duplicate';
const REGISTER_STATUS: readonly RegisterStatus[] = ['new', 'raised', 'duplicate'];

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
  readonly expired: ReadonlyArray<{ batchId: string; outstanding: number }>;
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

export class Ledger {
  constructor(readonly prefix = DEFAULT_KEY_PREFIX) {}

  keys(target: string): TargetKeys {
    return new TargetKeys(this.prefix, target);
  }

  /** Registers a batch (idempotent per target and batchId) and returns the target's work. */
  async register(
    redis: Redis,
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
   * The target's open work as the Lua `summarize` counts it (finished batches left out; stalled
   * ones still counted until reconcile expires them), read only: a dry run of `sweepAndRead`.
   */
  async summary(redis: Redis, target: string, nowMs: number): Promise<WorkSummary> {
    const options = { nowMs, staleMs: Number.MAX_SAFE_INTEGER, windowMs: 0, periodMs: 0, mutate: false };
    return (await this.sweepAndRead(redis, target, options)).work;
  }

  /**
   * Sweeps, then reads: retires finished batches, expires stalled ones and trims old history
   * (unless `options.mutate` is false), and returns the target's work and history.
   */
  async sweepAndRead(redis: Redis, target: string, options: ReconcileReadOptions): Promise<ReconcileState> {
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
    )) as [number, number, unknown[], number, string[], string[], unknown[], number];
    const [outstanding, openBatches, deadlines, windowMax, recent, retired, expiredFlat, last] = raw;
    const expired: Array<{ batchId: string; outstanding: number }> = [];
    for (let i = 0; i + 1 < expiredFlat.length; i += 2) {
      expired.push({ batchId: String(expiredFlat[i]), outstanding: Number(expiredFlat[i + 1]) });
    }
    return {
      work: { outstanding, openBatches, deadlines: deadlinesFrom(deadlines) },
      windowMax: windowMax >= 0 ? windowMax : undefined,
      lastRecommended: last >= 0 ? last : undefined,
      recentScaleIns: recent.map((member) => {
        const [atMs, from, to] = member.split(':').map(Number);
        return { atMs: atMs ?? 0, from: from ?? 0, to: to ?? 0 };
      }),
      retired,
      expired,
    };
  }

  /** Remembers a decision (window entry, scale-in history, recent-decisions list). */
  async record(redis: Redis, target: string, record: DecisionRecord): Promise<void> {
    const keys = this.keys(target);
    await scripts.record.run(
      redis,
      [keys.window, keys.scaleIns, keys.decisions],
      [
        record.nowMs,
        record.recommended ?? '',
        record.from,
        record.to,
        record.decision ? JSON.stringify(record.decision) : '',
        DECISIONS_KEPT,
      ],
    );
  }

  /** Images in flight per pod, from the workers' heartbeats; pods without one are idle. */
  async inFlight(redis: Redis, target: string, pods: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (pods.length === 0) return result;
    const keys = this.keys(target);
    const values = await redis.mget(pods.map((pod) => keys.pod(pod)));
    pods.forEach((pod, i) => {
      const count = Number(values[i] ?? 0);
      result.set(pod, Number.isFinite(count) && count > 0 ? count : 0);
    });
    return result;
  }

  async recentDecisions(redis: Redis, target: string, count = 10): Promise<Array<Record<string, unknown>>> {
    const raw = await redis.lrange(this.keys(target).decisions, 0, count - 1);
    return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
