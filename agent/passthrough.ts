/**
 * What both routes share: a TCP server whose every caller's connection is paired with one of the
 * agent's own to the upstream and passed through (h2-connection.ts, http1-connection.ts). While
 * the upstream cannot be reached, a caller's connection is handed instead to a server of the
 * agent's own (node:http or node:http2, made on first need) that answers every request itself:
 * 502 / gRPC UNAVAILABLE, or 503 once draining.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../shared/log.js';
import type { Route } from './config.js';
import { RouteProxy } from './listen.js';
import type { AgentMetrics } from './metrics.js';
import type { Tracker } from './tracker.js';

/** How long a connection to the upstream may take before the caller is answered by the agent. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A caller's connection paired with the agent's connection to the upstream. */
export interface Paired {
  /** Accept no more requests here; close once those under way have ended. */
  drain(): void;
  destroy(): void;
}

export interface PairDeps {
  readonly tracker: Tracker;
  readonly route: string;
  /** The connection's bytes could not be followed: its requests are no longer counted. */
  readonly onLost: (reason: string) => void;
}

/**
 * A caller's socket and the upstream's, tied together: no Nagle delay on either (frames and heads
 * go on as they come), and when either closes both go, every request still under way ends
 * uncounted (`abandon`) and `onClose` runs, once.
 */
export abstract class PairedConnection implements Paired {
  protected closed = false;

  constructor(
    protected readonly client: Socket,
    protected readonly upstream: Socket,
    protected readonly deps: PairDeps,
    onClose: () => void,
  ) {
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.once('close', () => {
        if (this.closed) return;
        this.closed = true;
        client.destroy();
        upstream.destroy();
        this.abandon();
        onClose();
      });
    }
  }

  abstract drain(): void;
  /** The connection is gone: the requests still under way end, uncounted. */
  protected abstract abandon(): void;

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }
}

/** The agent's own server for callers whose upstream is unreachable. */
export interface Answerer {
  readonly server: Server;
  drain(): void;
  close(): void;
}

export abstract class PassthroughProxy extends RouteProxy {
  override readonly server: Server;
  private readonly connections = new Set<Paired>();
  private answerer: Promise<Answerer> | undefined;
  private lostLogged = false;
  /** Why the upstream could not be reached, last time: what callers answered by the agent are told. */
  protected lastCause = '';

  constructor(
    route: Route,
    tracker: Tracker,
    metrics: AgentMetrics,
    private readonly logger: Logger,
  ) {
    super(route, tracker, metrics);
    this.server = createServer({ pauseOnConnect: true }, (client) => this.accept(client));
  }

  protected abstract pair(client: Socket, upstream: Socket, deps: PairDeps, onClose: () => void): Paired;
  /** Made on first need: node:http2 alone is about 4 MB of an idle agent's memory. */
  protected abstract answer(): Promise<Answerer>;

  /** Accepts no new connections; open ones finish what is under way, then close. */
  override drain(): void {
    this.draining = true;
    this.server.close();
    for (const connection of this.connections) connection.drain();
    void this.answerer?.then((a) => a.drain());
  }

  /** Ends every connection. */
  override close(): void {
    for (const connection of this.connections) connection.destroy();
    void this.answerer?.then((a) => a.close());
  }

  /** What a caller answered by the agent is told. */
  protected unreachableMessage(): string {
    return this.draining
      ? 'the prescaler agent is shutting down: send the request to another pod'
      : `upstream ${this.route.upstream} unavailable: ${this.lastCause}`;
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    const upstream = connect({ host: this.route.upstreamHost, port: this.route.upstreamPort });
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () =>
      upstream.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })),
    );
    const unreachable = (error: NodeJS.ErrnoException) => {
      this.metrics.upstreamErrors.inc({ route: this.name });
      if (client.destroyed) return;
      this.lastCause = error.code ?? error.message;
      this.answerer ??= this.answer();
      void this.answerer.then((answerer) => {
        answerer.server.emit('connection', client);
        client.resume();
      });
    };
    upstream.once('error', unreachable);
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      upstream.off('error', unreachable);
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      const deps = { tracker: this.tracker, route: this.name, onLost: (reason: string) => this.lost(reason) };
      const connection = this.pair(client, upstream, deps, () => this.connections.delete(connection));
      this.connections.add(connection);
      if (this.draining) connection.drain();
      client.resume();
    });
  }

  /** Logged once per route: a connection whose bytes the agent could not follow is not counted. */
  private lost(reason: string): void {
    if (this.lostLogged) return;
    this.lostLogged = true;
    this.logger.log('WARNING', `requests on a connection to route ${this.name} are not counted: ${reason}`, {
      event: 'not_followed',
      route: this.name,
    });
  }
}
