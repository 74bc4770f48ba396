/**
 * One caller's HTTP/1.1 connection through the agent, paired with a connection of its own to the
 * upstream: the bytes pass unchanged both ways as they arrive (keep-alive, pipelining,
 * `Expect: 100-continue`, chunked bodies and their trailers are the two peers' own), so the agent
 * neither buffers a body nor makes an object per request. A `MessageScanner` per direction reads
 * the heads and body ends in passing: a request is in flight from its head until its response's
 * body has ended, and counts by the response's status.
 *
 * Draining (SIGTERM): an idle connection is closed at once, a busy one after its last response;
 * a request that crosses that close is not passed on (node:http's server closes idle keep-alive
 * connections the same way, `closeIdleConnections`).
 */
import type { Socket } from 'node:net';
import { MessageScanner, type MessageHead } from './http1-framing.js';
import { httpOutcome } from './outcome.js';
import { PairedConnection, type PairDeps } from './passthrough.js';
import { pump, writeOn } from './relay.js';
import type { Ticket } from './tracker.js';

interface Exchange {
  readonly ticket: Ticket;
  readonly method: string;
  status?: number;
}

export class Http1Connection extends PairedConnection {
  private readonly queue: Exchange[] = [];
  private readonly requests: MessageScanner;
  private readonly responses: MessageScanner;
  private draining = false;

  constructor(client: Socket, upstream: Socket, deps: PairDeps, onClose: () => void) {
    super(client, upstream, deps, onClose);
    client.once('end', () => upstream.end());
    upstream.once('end', () => {
      // A response read until the connection closes is complete now.
      this.responses.closed();
      client.end();
    });
    this.requests = new MessageScanner('request', {
      head: (head) => this.request(head),
      end: () => undefined,
      lost: (reason) => deps.onLost(reason),
    });
    this.responses = new MessageScanner(
      'response',
      {
        head: (head) => this.response(head),
        end: () => this.responseEnd(),
        lost: (reason) => deps.onLost(reason),
      },
      () => this.queue[0]?.method,
    );
    pump(client, upstream, (chunk) => this.toUpstream(chunk));
    pump(upstream, client, (chunk) => {
      this.responses.scan(chunk);
      return writeOn(client, chunk);
    });
  }

  get inFlight(): number {
    return this.queue.length;
  }

  /** Closes the connection now if it is idle, or else after its last response. */
  override drain(): void {
    this.draining = true;
    this.closeIfIdle();
  }

  protected override abandon(): void {
    for (const exchange of this.queue.splice(0)) exchange.ticket.end('retryable');
  }

  private toUpstream(chunk: Buffer): boolean {
    // Once the agent has closed the connection (draining), what still arrives goes nowhere.
    if (this.upstream.writableEnded) return true;
    this.requests.scan(chunk);
    return writeOn(this.upstream, chunk);
  }

  private request(head: MessageHead): void {
    this.queue.push({
      ticket: this.deps.tracker.begin(this.deps.route, head.fields),
      method: head.method ?? 'GET',
    });
  }

  private response(head: MessageHead): void {
    const exchange = this.queue[0];
    if (!exchange || head.status === undefined) return;
    if (head.status === 101 || (exchange.method === 'CONNECT' && head.status < 300 && head.status >= 200)) {
      // The connection is a tunnel from here on: what it carries is not counted.
      this.requests.tunnel();
      this.responses.tunnel();
      this.queue.shift()?.ticket.end('retryable');
      return;
    }
    if (head.status >= 200) exchange.status = head.status;
  }

  private responseEnd(): void {
    const exchange = this.queue.shift();
    exchange?.ticket.end(httpOutcome(exchange.status ?? 502));
    // After the chunk that ended it has been written (this runs while it is scanned).
    if (this.draining) queueMicrotask(() => this.closeIfIdle());
  }

  private closeIfIdle(): void {
    if (this.closed || this.queue.length > 0 || !this.requests.betweenMessages) return;
    if (!this.responses.betweenMessages) return;
    this.client.end();
    this.upstream.end();
  }
}
