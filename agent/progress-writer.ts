/**
 * Writes counts (`HINCRBY ...:done|failed batchId n`) in the background, so Redis trouble never
 * touches the data path. Counts are summed per batch while they wait and written `lingerMs` after
 * the first of them arrived: one write per batch and linger instead of one per request, and
 * reconcile reads the counts once a minute, so 100 ms of lag costs nothing. When Redis fails they
 * wait and are tried again (backoff 250 ms doubling to 5 s) for at most `retryMs` from the moment
 * they were first held back. What is still unwritten then is dropped and counted as lost
 * (`onLost`), never silently; every failed write goes to `onError`.
 */
import type { Clock } from '../shared/clock.js';

export type CountKind = 'done' | 'failed';

export interface CountSink {
  /** `HINCRBY prefix:{target}:done batchId n` (ProgressReporter.done). */
  done(batchId: string, images: number): Promise<void>;
  /** `HINCRBY prefix:{target}:failed batchId n` (ProgressReporter.failed). */
  failed(batchId: string, images: number): Promise<void>;
}

export interface ProgressWriterOptions {
  readonly sink: CountSink;
  readonly clock: Clock;
  /** How long a count may wait for Redis before it is given up as lost. */
  readonly retryMs: number;
  /** How long a new count waits for others to share its write. */
  readonly lingerMs: number;
  readonly onError?: (error: unknown) => void;
  readonly onLost?: (kind: CountKind, batchId: string, images: number) => void;
  readonly onWritten?: (kind: CountKind, images: number) => void;
}

interface Pending {
  readonly kind: CountKind;
  readonly batchId: string;
  images: number;
  /** When this count first waited on a failed write; undefined until then. */
  heldSince?: number;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;

export class ProgressWriter {
  private readonly pending = new Map<string, Pending>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = 0;
  /** Set once the counts waiting have lingered: the next kick writes them. */
  private lingered = false;
  private readonly emptyWaiters: Array<() => void> = [];

  constructor(private readonly options: ProgressWriterOptions) {}

  /** Images waiting to be written. */
  get pendingImages(): number {
    let sum = 0;
    for (const p of this.pending.values()) sum += p.images;
    return sum;
  }

  add(kind: CountKind, batchId: string, images: number): void {
    this.merge({ kind, batchId, images });
    this.kick();
  }

  /** Resolves once nothing waits (every count written or given up). */
  drained(): Promise<void> {
    if (this.pending.size === 0 && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  /** Stops retrying: what still waits is given up as lost (after a write under way returns). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    if (!this.flushing) this.giveUp();
  }

  private closed = false;

  private giveUp(): void {
    for (const count of this.pending.values()) this.options.onLost?.(count.kind, count.batchId, count.images);
    this.pending.clear();
    for (const wake of this.emptyWaiters.splice(0)) wake();
  }

  private merge(count: Pending): void {
    const key = `${count.kind}\u0000${count.batchId}`;
    const existing = this.pending.get(key);
    if (!existing) {
      this.pending.set(key, { ...count });
      return;
    }
    existing.images += count.images;
    if (count.heldSince !== undefined)
      existing.heldSince = Math.min(existing.heldSince ?? count.heldSince, count.heldSince);
  }

  private kick(): void {
    if (this.flushing || this.timer || this.closed) return;
    if (!this.lingered && this.options.lingerMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.lingered = true;
        this.kick();
      }, this.options.lingerMs);
      return;
    }
    this.lingered = false;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.pending.size === 0) {
        for (const wake of this.emptyWaiters.splice(0)) wake();
      } else if (this.backoffMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.lingered = true;
          this.kick();
        }, this.backoffMs);
      } else {
        this.kick();
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending.clear();
    const now = this.options.clock.now();
    let failed = false;
    await Promise.all(
      batch.map(async (count) => {
        try {
          await this.options.sink[count.kind](count.batchId, count.images);
          this.options.onWritten?.(count.kind, count.images);
        } catch (error) {
          failed = true;
          this.options.onError?.(error);
          const heldSince = count.heldSince ?? now;
          if (now - heldSince >= this.options.retryMs) {
            this.options.onLost?.(count.kind, count.batchId, count.images);
          } else {
            this.merge({ ...count, heldSince });
          }
        }
      }),
    );
    this.backoffMs = failed ? Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.backoffMs * 2)) : 0;
    if (this.closed) this.giveUp();
  }
}
