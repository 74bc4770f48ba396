/**
 * The HTTP/2 cleartext route (h2c, prior knowledge): gRPC to TF Serving (8500) or TorchServe
 * (7070). Each caller's connection is paired with one of the agent's own to the upstream and
 * passed through frame by frame (h2-connection.ts), so flow control, trailers, deadlines and
 * cancellation are the peers' own and the agent adds no buffering. When the upstream cannot be
 * reached, the caller's connection is answered by a node:http2 server of the agent instead: every
 * stream gets gRPC UNAVAILABLE (code 14) as a trailers-only response, or 502 for plain HTTP/2.
 */
import { createServer as createNetServer, connect as connectNet, type Server, type Socket } from 'node:net';
import {
  constants,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Logger } from '../shared/log.js';
import type { Route } from './config.js';
import { H2Connection } from './h2-connection.js';
import type { AgentMetrics } from './metrics.js';
import type { Tracker } from './tracker.js';
import { RouteProxy } from './listen.js';

/** How long a connection to the upstream may take before the caller is answered UNAVAILABLE. */
const CONNECT_TIMEOUT_MS = 10_000;

function isGrpc(headers: IncomingHttpHeaders): boolean {
  return String(headers['content-type'] ?? '').startsWith('application/grpc');
}

/** Answers a stream without the upstream: gRPC trailers-only with `code`, or `status` for plain HTTP/2. */
function refuse(
  stream: ServerHttp2Stream,
  grpc: boolean,
  code: number,
  status: number,
  message: string,
): void {
  if (stream.destroyed || stream.headersSent) {
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  if (grpc) {
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(code),
        'grpc-message': encodeURIComponent(message),
      },
      { endStream: true },
    );
  } else {
    stream.respond({ ':status': status, 'content-type': 'text/plain; charset=utf-8' });
    stream.end(`${message}\n`);
  }
}

export class H2Proxy extends RouteProxy {
  override readonly server: Server;
  private readonly connections = new Set<H2Connection>();
  /** Answers callers while the upstream is unreachable; made on first need. */
  private unreachable: { server: Http2Server; sessions: Set<Http2Session> } | undefined;
  private lostLogged = false;
  /** Why the upstream could not be reached, last time (what refused callers are told). */
  private lastCause = '';

  constructor(
    route: Route,
    tracker: Tracker,
    metrics: AgentMetrics,
    private readonly logger: Logger,
  ) {
    super(route, tracker, metrics);
    this.server = createNetServer({ pauseOnConnect: true }, (client) => this.accept(client));
  }

  /** Accepts no new connections; open ones get GOAWAY and close once their streams have ended. */
  override drain(): void {
    this.draining = true;
    this.server.close();
    for (const connection of this.connections) connection.drain();
    for (const session of this.unreachable?.sessions ?? []) session.close();
  }

  /** Ends every connection. */
  override close(): void {
    for (const connection of this.connections) connection.destroy();
    for (const session of this.unreachable?.sessions ?? []) session.destroy();
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    const upstream = connectNet({ host: this.route.upstreamHost, port: this.route.upstreamPort });
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () =>
      upstream.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })),
    );
    const unreachable = (error: NodeJS.ErrnoException) => this.refuseAll(client, error.code ?? error.message);
    upstream.once('error', unreachable);
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      upstream.off('error', unreachable);
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      const connection = new H2Connection(
        client,
        upstream,
        {
          tracker: this.tracker,
          route: this.name,
          onLost: (reason) => this.lost(reason),
        },
        () => this.connections.delete(connection),
      );
      this.connections.add(connection);
      if (this.draining) connection.drain();
      client.resume();
    });
  }

  /** The upstream is unreachable: this caller's streams are answered UNAVAILABLE / 502. */
  private refuseAll(client: Socket, cause: string): void {
    this.metrics.upstreamErrors.inc({ route: this.name });
    this.unreachable ??= this.refuser();
    this.lastCause = cause;
    this.unreachable.server.emit('connection', client);
    client.resume();
  }

  private refuser(): { server: Http2Server; sessions: Set<Http2Session> } {
    const sessions = new Set<Http2Session>();
    const server = createServer();
    server.on('session', (session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
      session.on('error', () => undefined);
    });
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      stream.on('error', () => undefined);
      stream.resume();
      this.tracker.begin(this.name, headers).end('retryable');
      const message = this.draining
        ? 'the prescaler agent is shutting down: send the call to another pod'
        : `upstream ${this.route.upstream} unavailable: ${this.lastCause}`;
      refuse(stream, isGrpc(headers), 14, this.draining ? 503 : 502, message);
    });
    return { server, sessions };
  }

  /** Logged once per route: a connection whose frames the agent could not follow is not counted. */
  private lost(reason: string): void {
    if (this.lostLogged) return;
    this.lostLogged = true;
    this.logger.log('WARNING', `requests on a connection to route ${this.name} are not counted: ${reason}`, {
      event: 'h2_not_followed',
      route: this.name,
    });
  }
}
