/**
 * One proxied request's life, shared by the HTTP/1.1 and HTTP/2 proxies: `begin` reads the batch
 * headers and enters it in flight; `end` (once, whatever happens first) applies the counting rule
 * of outcome.ts, hands the count to the background writer *before* leaving the in-flight set (so
 * a pod is never idle while its images are uncounted), and records the metrics.
 */
import type { Logger } from '../shared/log.js';
import type { InFlight } from './inflight.js';
import type { AgentMetrics } from './metrics.js';
import { readTag, type BatchTag, type Outcome } from './outcome.js';
import type { ProgressWriter } from './progress-writer.js';

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export class Ticket {
  private ended = false;
  private readonly started = process.hrtime.bigint();

  constructor(
    private readonly tracker: Tracker,
    readonly route: string,
    readonly tag: BatchTag | undefined,
  ) {}

  /** Ends the request with its outcome; later calls do nothing. */
  end(outcome: Outcome): void {
    if (this.ended) return;
    this.ended = true;
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    this.tracker.finish(this, outcome, seconds);
  }
}

export class Tracker {
  constructor(
    private readonly inFlight: InFlight,
    private readonly writer: ProgressWriter,
    private readonly metrics: AgentMetrics,
    private readonly logger: Logger,
  ) {}

  begin(route: string, headers: Headers): Ticket {
    const { tag, error } = readTag(headers);
    if (error) {
      this.metrics.badHeaders.inc();
      this.logger.log('WARNING', `request not counted: ${error}`, { route });
    }
    this.inFlight.enter(tag?.images ?? 1);
    return new Ticket(this, route, tag);
  }

  /** @internal called by Ticket.end */
  finish(ticket: Ticket, outcome: Outcome, seconds: number): void {
    const { tag, route } = ticket;
    if (tag && outcome !== 'retryable') {
      this.writer.add(outcome, tag.batchId, tag.images);
      this.metrics.images.inc({ outcome }, tag.images);
    }
    this.inFlight.leave(tag?.images ?? 1);
    this.metrics.requests.inc({ route, outcome: tag ? outcome : 'untagged' });
    this.metrics.upstreamSeconds.observe({ route }, seconds);
  }
}
