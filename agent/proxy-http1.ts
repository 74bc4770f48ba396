/**
 * The HTTP/1.1 route: an `http://host:port` upstream (TF Serving REST, TorchServe inference).
 * Each caller's connection is paired with one of the agent's own to the upstream and passed
 * through as it arrives (http1-connection.ts): status, headers, bodies and trailers are the
 * peers' own, keep-alive on both sides. An upstream that cannot be reached is answered by a
 * node:http server of the agent instead: 502, or 503 with `Connection: close` once draining.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { http } from './node-http.js';
import type { Socket } from 'node:net';
import { Http1Connection } from './http1-connection.js';
import { PassthroughProxy, type Answerer, type Paired, type PairDeps } from './passthrough.js';

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

export class Http1Proxy extends PassthroughProxy {
  protected override pair(client: Socket, upstream: Socket, deps: PairDeps, onClose: () => void): Paired {
    return new Http1Connection(client, upstream, deps, onClose);
  }

  protected override answer(): Promise<Answerer> {
    const server = http.createServer({ keepAlive: true }, (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      this.tracker.begin(this.name, req.headers).end('retryable');
      plain(res, this.draining ? 503 : 502, `${this.unreachableMessage()}\n`, this.draining);
    });
    return Promise.resolve({
      server,
      drain: () => server.closeIdleConnections(),
      close: () => server.closeAllConnections(),
    });
  }
}
