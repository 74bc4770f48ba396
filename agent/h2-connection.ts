/**
 * One caller's HTTP/2 connection through the agent, paired with a connection of its own to the
 * upstream: the bytes pass unchanged both ways, frame by frame as they arrive, so SETTINGS, flow
 * control, PING, trailers, deadlines (`grpc-timeout`) and resets (a cancelled call's RST_STREAM)
 * are the two peers' own, end to end, and the agent neither buffers a body nor re-frames it. A
 * `FrameScanner` per direction reads the header blocks and stream ends in passing, which is all
 * the counting needs: a request enters the in-flight set with its HEADERS and leaves when the
 * response ends (END_STREAM) or either side resets it, with the outcome of its `:status` or, for
 * gRPC, its `grpc-status`.
 *
 * Draining (SIGTERM) sends the caller GOAWAY naming the last stream it opened, as a server does
 * (RFC 9113 section 6.8); a stream it opens after that is refused with RST_STREAM REFUSED_STREAM
 * (which gRPC retries on another connection, section 8.7) and cancelled upstream, since its
 * headers were forwarded to keep the upstream's header table in step. The connection closes once
 * its streams under way have ended.
 */
import type { Socket } from 'node:net';
import { ErrorCode, FrameScanner, goaway, rstStream, type FrameEvents } from './h2-frames.js';
import type { HeaderFields } from './hpack.js';
import { grpcOutcome, httpOutcome } from './outcome.js';
import { PairedConnection, type PairDeps } from './passthrough.js';
import { pump, writeOn } from './relay.js';
import type { Ticket } from './tracker.js';

interface Exchange {
  readonly ticket: Ticket;
  readonly grpc: boolean;
  status?: number;
  grpcStatus?: number;
}

function first(fields: HeaderFields, name: string): string | undefined {
  const value = fields[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One direction: scans each chunk, forwards it under backpressure, and slots frames of the
 * agent's own in between forwarded ones: at once when the direction is between frames, otherwise
 * (or when a frame being scanned called for it) after the last frame that ends in the chunk.
 */
class Direction {
  readonly scanner: FrameScanner;
  private pending: Buffer[] = [];
  private scanning = false;
  /** Called once the frames of ours waiting for a boundary are written. */
  onFlushed: () => void = () => undefined;

  constructor(
    from: Socket,
    private readonly to: Socket,
    client: boolean,
    events: FrameEvents,
  ) {
    this.scanner = new FrameScanner(client, events);
    pump(from, to, (chunk) => this.forward(chunk));
  }

  inject(frameBytes: Buffer): void {
    if (!this.scanning && this.pending.length === 0 && this.scanner.atBoundary) this.to.write(frameBytes);
    else this.pending.push(frameBytes);
  }

  get flushed(): boolean {
    return this.pending.length === 0;
  }

  private forward(chunk: Buffer): boolean {
    this.scanning = true;
    const boundary = this.scanner.scan(chunk);
    this.scanning = false;
    if (this.pending.length === 0 || boundary < 0) return writeOn(this.to, chunk);
    if (boundary > 0) this.to.write(chunk.subarray(0, boundary));
    let ok = this.to.write(Buffer.concat(this.pending));
    this.pending = [];
    if (boundary < chunk.length) ok = this.to.write(chunk.subarray(boundary));
    this.onFlushed();
    return ok;
  }
}

export class H2Connection extends PairedConnection {
  private readonly exchanges = new Map<number, Exchange>();
  private readonly up: Direction;
  private readonly down: Direction;
  private lastStream = 0;
  /** The last stream the caller was told of in GOAWAY, once draining. */
  private goawayStream: number | undefined;

  constructor(client: Socket, upstream: Socket, deps: PairDeps, onClose: () => void) {
    super(client, upstream, deps, onClose);
    // A half-close is passed on: each side's FIN reaches the other once its bytes have.
    client.once('end', () => upstream.end());
    upstream.once('end', () => client.end());
    this.up = new Direction(client, upstream, true, {
      headers: (id, fields) => this.request(id, fields),
      endStream: () => undefined,
      reset: (id) => this.end(id, undefined),
      lost: (reason) => deps.onLost(reason),
    });
    this.down = new Direction(upstream, client, false, {
      headers: (id, fields, endStream) => this.response(id, fields, endStream),
      endStream: (id) => this.end(id, this.exchanges.get(id)),
      reset: (id) => this.end(id, undefined),
      lost: (reason) => deps.onLost(reason),
    });
    this.down.onFlushed = () => this.closeIfDone();
  }

  get streams(): number {
    return this.exchanges.size;
  }

  /** Tells the caller to open no more streams here; closes once those under way have ended. */
  override drain(): void {
    if (this.goawayStream !== undefined || this.closed) return;
    this.goawayStream = this.lastStream;
    this.down.inject(goaway(this.lastStream, ErrorCode.NO_ERROR));
    this.closeIfDone();
  }

  protected override abandon(): void {
    for (const exchange of this.exchanges.values()) exchange.ticket.end('retryable');
    this.exchanges.clear();
  }

  private request(id: number, fields: HeaderFields): void {
    if (this.exchanges.has(id) || id % 2 === 0 || id <= this.lastStream) return; // trailers
    this.lastStream = id;
    if (this.goawayStream !== undefined) {
      this.up.inject(rstStream(id, ErrorCode.CANCEL));
      this.down.inject(rstStream(id, ErrorCode.REFUSED_STREAM));
      return;
    }
    const grpc = (first(fields, 'content-type') ?? '').startsWith('application/grpc');
    this.exchanges.set(id, { ticket: this.deps.tracker.begin(this.deps.route, fields), grpc });
  }

  private response(id: number, fields: HeaderFields, endStream: boolean): void {
    const exchange = this.exchanges.get(id);
    if (!exchange) return;
    const grpcStatus = first(fields, 'grpc-status');
    if (grpcStatus !== undefined) exchange.grpcStatus = Number(grpcStatus);
    const status = Number(first(fields, ':status'));
    // A 1xx answer is interim; the final one follows (RFC 9113 section 8.1).
    if (exchange.status === undefined && status >= 200) exchange.status = status;
    if (endStream) this.end(id, exchange);
  }

  /** Ends a stream: with its response when `exchange` is given, or reset (nothing counted). */
  private end(id: number, exchange: Exchange | undefined): void {
    const tracked = this.exchanges.get(id);
    if (!tracked) return;
    this.exchanges.delete(id);
    if (!exchange) tracked.ticket.end('retryable');
    else if (exchange.grpc) tracked.ticket.end(grpcOutcome(exchange.grpcStatus ?? 2));
    else tracked.ticket.end(httpOutcome(exchange.status ?? 502));
    // After the frame that ended it has been forwarded (this runs while its chunk is scanned).
    if (this.goawayStream !== undefined) queueMicrotask(() => this.closeIfDone());
  }

  private closeIfDone(): void {
    // The GOAWAY may still wait for the end of a frame under way: onFlushed comes back here.
    if (this.goawayStream === undefined || this.exchanges.size > 0 || !this.down.flushed) return;
    // The caller sees the connection end and closes its side, which ends the upstream's.
    this.client.end();
  }
}
