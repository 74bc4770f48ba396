/**
 * The HTTP/1.1 route: a node:http server in front of an `http://host:port` upstream (TF Serving
 * REST, TorchServe inference). Requests and responses are piped as streams (never buffered),
 * both sides keep connections alive, the upstream's status and headers pass unchanged (less the
 * hop-by-hop ones, RFC 9110 section 7.6.1) and so do its trailers. An upstream that cannot be
 * reached answers 502; a request that arrives while the agent is draining answers 503.
 */
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Route } from './config.js';
import type { AgentMetrics } from './metrics.js';
import { httpOutcome } from './outcome.js';
import type { Tracker } from './tracker.js';
import { RouteProxy } from './listen.js';
import { relay } from './relay.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers without the hop-by-hop ones, including those the Connection header names. */
export function endToEnd(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function plain(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

export class Http1Proxy extends RouteProxy {
  override readonly server: Server;
  private readonly agent: Agent;

  constructor(route: Route, tracker: Tracker, metrics: AgentMetrics) {
    super(route, tracker, metrics);
    this.agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
    this.server = createServer({ keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) =>
      this.handle(req, res),
    );
  }

  /** Accepts no new connections; requests that still arrive on open ones get 503 and a close. */
  override drain(): void {
    this.draining = true;
    this.server.close();
    this.server.closeIdleConnections();
  }

  /** Ends every connection and the upstream pool (after draining). */
  override close(): void {
    this.server.closeAllConnections();
    this.agent.destroy();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.draining) {
      req.resume();
      plain(res, 503, 'the prescaler agent is shutting down: send the request to another pod\n', true);
      return;
    }
    const ticket = this.tracker.begin(this.name, req.headers);
    let status = 0;
    let complete = false;
    res.once('close', () => ticket.end(complete ? httpOutcome(status) : 'retryable'));
    res.once('finish', () => {
      complete = true;
    });

    const upstream = request({
      agent: this.agent,
      host: this.route.upstreamHost,
      port: this.route.upstreamPort,
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
    });
    upstream.once('response', (answer) => {
      status = answer.statusCode ?? 502;
      const headers = endToEnd(answer.headers);
      if (answer.headers.trailer !== undefined) headers.trailer = answer.headers.trailer;
      res.writeHead(status, answer.statusMessage, headers);
      answer.once('error', () => res.destroy());
      // Trailers are known once the body has ended: add them before the response ends.
      relay(answer, res, {
        release: true,
        beforeEnd: () => {
          if (answer.headers.trailer !== undefined) res.addTrailers(answer.trailers);
        },
      });
    });
    upstream.once('error', (error) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      this.metrics.upstreamErrors.inc({ route: this.name });
      status = 502;
      plain(
        res,
        502,
        `upstream ${this.route.upstream} unavailable: ${(error as NodeJS.ErrnoException).code ?? error.message}\n`,
      );
    });
    // An upstream failure leaves the client's socket open for the 502 (relay never destroys).
    relay(req, upstream, { release: true });
    // The client went away: stop the upstream work too.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  }
}
