/**
 * The agent's admin port (default 9091), apart from the proxied routes and kept open while the
 * agent drains:
 *
 *   GET /healthz   200 {"status":"ok"|"draining","inFlight":n}  (liveness; draining is healthy)
 *   GET /metrics   Prometheus text (metrics.ts)
 *   GET /drain[?timeoutSeconds=N]
 *                  answers once nothing is in flight: 200 {"drained":true}; after N seconds
 *                  with requests still in flight: 504 {"drained":false,"inFlight":n}. It only
 *                  waits, it changes nothing: the model server's preStop hook calls it so the
 *                  server is stopped after the last request through the agent has ended.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from './node-http.js';
import type { InFlight } from './inflight.js';
import type { AgentMetrics } from './metrics.js';
import { CONTENT_TYPE } from './prometheus.js';
import { listen } from './listen.js';

export const MAX_DRAIN_SECONDS = 86_400;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** `timeoutSeconds` of /drain: undefined when absent, an error sentence when unusable. */
export function drainTimeout(url: URL): number | undefined | { error: string } {
  const raw = url.searchParams.get('timeoutSeconds');
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > MAX_DRAIN_SECONDS)
    return {
      error: `timeoutSeconds = ${JSON.stringify(raw)}: must be a number of seconds from 0 to ${MAX_DRAIN_SECONDS}`,
    };
  return value;
}

export class AdminServer {
  readonly server: Server;

  constructor(
    private readonly inFlight: InFlight,
    private readonly metrics: AgentMetrics,
    private readonly draining: () => boolean,
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  async listen(host: string, port: number): Promise<number> {
    return listen(this.server, host, port);
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://agent');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(res, 405, { error: `${req.method} is not allowed: the admin endpoints answer GET` });
    switch (url.pathname) {
      case '/healthz':
        return json(res, 200, {
          status: this.draining() ? 'draining' : 'ok',
          inFlight: this.inFlight.requests,
        });
      case '/metrics': {
        const text = this.metrics.registry.text();
        res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      case '/drain':
        return this.drain(url, res);
      default:
        return json(res, 404, { error: `no endpoint ${url.pathname}: try /healthz, /metrics or /drain` });
    }
  }

  private async drain(url: URL, res: ServerResponse): Promise<void> {
    const timeout = drainTimeout(url);
    if (typeof timeout === 'object') return json(res, 400, timeout);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      if (timeout !== undefined) timer = setTimeout(() => resolve('timeout'), timeout * 1000);
    });
    // A caller that hangs up stops waiting.
    const gone = new Promise<'gone'>((resolve) => res.once('close', () => resolve('gone')));
    const result = await Promise.race([this.inFlight.idle().then(() => 'idle' as const), expired, gone]);
    if (timer) clearTimeout(timer);
    if (result === 'gone') return;
    if (result === 'idle') return json(res, 200, { drained: true, inFlight: 0 });
    json(res, 504, { drained: false, inFlight: this.inFlight.requests });
  }
}
