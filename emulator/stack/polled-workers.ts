/**
 * What the stack's three kinds of workers (simulated, agents, Celery) build on: a poll loop
 * (poller.ts) that `halt()` stops, the first errors they met (shown at the end), and the batches
 * they track, reported as BatchProgress.
 */
import { Poller } from './poller.js';

export interface BatchProgress {
  readonly target: string;
  readonly batchId: string;
  readonly total: number;
  readonly done: number;
  readonly inFlight: number;
  readonly firstSeenMs: number;
  /** Set when the last image was reported done. */
  readonly finishedMs?: number;
}

/** A batch as workers track it: images announced (`total`), handed out (`issued`) and done. */
export interface TrackedBatch {
  readonly target: string;
  readonly batchId: string;
  total: number;
  issued: number;
  done: number;
  readonly firstSeenMs: number;
  finishedMs?: number;
}

/** How many errors are kept; the rest are dropped (the first say what went wrong). */
const KEPT_ERRORS = 20;

export abstract class PolledWorkers<B extends TrackedBatch = TrackedBatch> {
  /** The batches seen so far, in the order they were first seen. */
  protected readonly batches = new Map<string, B>();
  protected stopped = false;
  /** Errors reporting to Redis or running workers (the stack keeps going; they are shown at the end). */
  readonly errors: string[] = [];
  private readonly poller: Poller;

  /** `label` starts each error message (e.g. "celery: "). */
  constructor(
    pollMs: number,
    private readonly label = '',
  ) {
    this.poller = new Poller(
      () => this.poll(),
      (error) => this.note(error),
      pollMs,
    );
  }

  protected abstract poll(): Promise<void>;

  start(): void {
    this.poller.start();
  }

  /** Marks the workers stopped and waits for the poll under way; the caller then ends its pods. */
  protected async halt(): Promise<void> {
    this.stopped = true;
    await this.poller.stop();
  }

  /** Progress of every batch seen so far, oldest first. */
  get progress(): BatchProgress[] {
    return [...this.batches.values()].map((b) => ({
      target: b.target,
      batchId: b.batchId,
      total: b.total,
      done: b.done,
      inFlight: Math.max(0, b.issued - b.done),
      firstSeenMs: b.firstSeenMs,
      ...(b.finishedMs !== undefined ? { finishedMs: b.finishedMs } : {}),
    }));
  }

  protected note(error: unknown): void {
    if (this.errors.length < KEPT_ERRORS) this.errors.push(`${this.label}${(error as Error).message}`);
  }
}
