/**
 * What is in flight on this pod, and its heartbeat. Every proxied request enters with its image
 * count and leaves when it ends; the heartbeat of the progress contract follows the sum:
 *
 *   - busy and idle at once: the first request in writes the heartbeat, the last one out deletes
 *     it, each as soon as the write before it has returned;
 *   - a changed count while busy, coalesced: written at most once per `coalesceMs`, the latest
 *     value then. The count only ranks busy pods against each other (shared/deletion-costs.ts),
 *     so a second of lag costs nothing, while writing on every change costs a Redis round trip
 *     per request end: at 300 requests/s per pod on 100 pods, 60,000 writes/s instead of about 100;
 *   - while busy, refreshed every `refreshMs` (at most 10 s, a third of the 30 s TTL);
 *   - a write that failed is tried again after `retryMs`.
 *
 * Heartbeat writes never block a request: they run beside the data path.
 */
export interface HeartbeatWriter {
  /** `SET ...:pod:NAME n EX ttl` for n > 0, `DEL` for 0 (ProgressReporter.heartbeat). */
  heartbeat(inFlight: number): Promise<void>;
}

export interface InFlightOptions {
  readonly writer: HeartbeatWriter;
  readonly refreshMs: number;
  /** The least time between two writes of a changed count while busy. */
  readonly coalesceMs: number;
  readonly retryMs?: number;
  /** Told of each failed write (counted and logged by the caller). */
  readonly onError?: (error: unknown) => void;
}

export class InFlight {
  private images = 0;
  private requestCount = 0;
  /** The value Redis holds as far as we know; undefined: unknown (start, or a failed write). */
  private written: number | undefined = 0;
  private writing: Promise<void> | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** Pending write of a changed count while busy; `due` once its coalescing time has passed. */
  private coalesce: NodeJS.Timeout | undefined;
  private due = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly options: InFlightOptions) {}

  /** Requests in flight. */
  get requests(): number {
    return this.requestCount;
  }

  /** Images in flight: the heartbeat's value. */
  get value(): number {
    return this.images;
  }

  enter(images = 1): void {
    this.requestCount++;
    this.images += images;
    if (this.requestCount === 1) this.startRefresh();
    this.sync();
  }

  leave(images = 1): void {
    this.requestCount--;
    this.images -= images;
    if (this.requestCount === 0) {
      this.stopRefresh();
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
    this.sync();
  }

  /** Resolves once nothing is in flight (at once if nothing is). */
  idle(): Promise<void> {
    if (this.requestCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once the heartbeat in Redis matches what is in flight (or the last write failed). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Stops the timers; the last written value stays (call after idle() and settled()). */
  close(): void {
    this.stopRefresh();
    if (this.retry) clearTimeout(this.retry);
    if (this.coalesce) clearTimeout(this.coalesce);
    this.retry = undefined;
    this.coalesce = undefined;
  }

  private startRefresh(): void {
    this.refresh = setInterval(() => {
      this.written = undefined;
      this.sync();
    }, this.options.refreshMs);
    this.refresh.unref();
  }

  private stopRefresh(): void {
    if (this.refresh) clearInterval(this.refresh);
    this.refresh = undefined;
  }

  private sync(): void {
    if (this.writing || this.written === this.images) return;
    // Unknown, idle -> busy or busy -> idle: now. Busy with another count: once coalesced.
    const crossing = this.written === undefined || this.written === 0 || this.images === 0;
    if (!crossing && !this.due) {
      this.coalesce ??= setTimeout(() => {
        this.coalesce = undefined;
        this.due = true;
        this.sync();
      }, this.options.coalesceMs);
      this.coalesce.unref();
      return;
    }
    this.due = false;
    const value = this.images;
    this.writing = this.options.writer.heartbeat(value).then(
      () => {
        this.written = value;
      },
      (error: unknown) => {
        this.written = undefined;
        this.options.onError?.(error);
        this.scheduleRetry();
      },
    );
    void this.writing.then(() => {
      this.writing = undefined;
      if (this.retry === undefined) this.sync();
    });
  }

  private scheduleRetry(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.sync();
    }, this.options.retryMs ?? 1000);
    this.retry.unref();
  }
}
