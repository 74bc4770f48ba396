/**
 * The HTTP/2 cleartext route (h2c, prior knowledge): gRPC to TF Serving (8500) or TorchServe
 * (7070). Each caller's connection is paired with one of the agent's own to the upstream and
 * passed through frame by frame (h2-connection.ts), so flow control, trailers, deadlines and
 * cancellation are the peers' own and the agent adds no buffering. When the upstream cannot be
 * reached, the caller's connection is answered by a node:http2 server of the agent instead: every
 * stream gets gRPC UNAVAILABLE (code 14) as a trailers-only response, or 502 for plain HTTP/2.
 */
import type { Socket } from 'node:net';
import type { Http2Session, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { H2Connection } from './h2-connection.js';
import { PassthroughProxy, type Answerer, type Paired, type PairDeps } from './passthrough.js';

/** RST_STREAM INTERNAL_ERROR (RFC 9113 section 7). */
const INTERNAL_ERROR = 0x2;

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
    stream.close(INTERNAL_ERROR);
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

export class H2Proxy extends PassthroughProxy {
  protected override pair(client: Socket, upstream: Socket, deps: PairDeps, onClose: () => void): Paired {
    return new H2Connection(client, upstream, deps, onClose);
  }

  /** A node:http2 server answering every stream UNAVAILABLE (gRPC) or 502 / 503. */
  protected override async answer(): Promise<Answerer> {
    const { createServer } = await import('node:http2');
    const sessions = new Set<Http2Session>();
    const server = createServer();
    server.on('session', (session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
      session.on('error', () => undefined);
      if (this.draining) session.close();
    });
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      stream.on('error', () => undefined);
      stream.resume();
      this.tracker.begin(this.name, headers).end('retryable');
      refuse(stream, isGrpc(headers), 14, this.draining ? 503 : 502, this.unreachableMessage());
    });
    return {
      server,
      drain: () => sessions.forEach((session) => session.close()),
      close: () => sessions.forEach((session) => session.destroy()),
    };
  }
}
