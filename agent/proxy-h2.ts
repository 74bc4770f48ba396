/**
 * The HTTP/2 cleartext route (h2c, prior knowledge): gRPC to TF Serving (8500) or TorchServe
 * (7070). Each incoming stream becomes one stream on a shared upstream session; bodies are piped
 * both ways under HTTP/2 flow control, response headers and trailers pass unchanged (a
 * trailers-only response stays trailers-only), `grpc-timeout` travels with the other headers, and
 * a reset on either side (RST_STREAM, e.g. a cancelled call or a passed deadline) resets the
 * other. An upstream that cannot be reached answers gRPC UNAVAILABLE (code 14) as a trailers-only
 * response, or 502 for plain HTTP/2; a stream that arrives while draining gets UNAVAILABLE / 503.
 */
import {
  connect,
  constants,
  createServer,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Route } from './config.js';
import type { AgentMetrics } from './metrics.js';
import { grpcOutcome, httpOutcome, type Outcome } from './outcome.js';
import type { Tracker } from './tracker.js';
import { RouteProxy } from './listen.js';
import { relay } from './relay.js';

/** Connection-specific fields HTTP/2 forbids (RFC 9113 section 8.2.2); `te: trailers` stays. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
]);
const RESPONSE_PSEUDO = new Set([':status']);

/**
 * Per-stream and per-connection receive windows: what a caller may send before the agent has
 * passed it on. A 1 MiB stream window lets a 1 MiB message in without waiting for window updates
 * (with 128 KiB, the benchmark's paced gRPC calls waited for eight of them and the median call
 * took 5-8 ms longer); the connection window bounds what the agent holds for one caller, since
 * Node hands each DATA chunk over as a slice of a socket read that only a garbage collection
 * frees. 8 MiB holds eight such messages at once.
 */
const STREAM_WINDOW = 1 << 20;
const SESSION_WINDOW = 8 << 20;
/**
 * The largest DATA frame we take (RFC 9113 allows up to 16 MiB - 1; the default is 16 KiB): a
 * 1 MiB message arrives in a few socket reads' worth of chunks instead of 64 frames.
 */
const MAX_FRAME = 1 << 20;
const SETTINGS = { initialWindowSize: STREAM_WINDOW, maxFrameSize: MAX_FRAME };
/**
 * Node's bound on a session's buffered memory (default 10 MB): beyond it, new streams are refused
 * with ENHANCE_YOUR_CALM. Flow control already bounds what a session holds (the windows above).
 */
const SESSION_MEMORY_MB = 128;

function forwarded(headers: IncomingHttpHeaders, keepPseudo: (name: string) => boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || CONNECTION_SPECIFIC.has(name)) continue;
    if (name.startsWith(':') && !keepPseudo(name)) continue;
    out[name] = value;
  }
  return out;
}

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
  override readonly server: Http2Server;
  private upstream: ClientHttp2Session | undefined;
  private readonly sessions = new Set<Http2Session>();

  constructor(route: Route, tracker: Tracker, metrics: AgentMetrics) {
    super(route, tracker, metrics);
    this.server = createServer({
      settings: SETTINGS,
      maxSessionMemory: SESSION_MEMORY_MB,
    });
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.on('error', () => undefined);
      session.setLocalWindowSize(SESSION_WINDOW);
      if (this.draining) session.close();
    });
    this.server.on('stream', (stream, headers) => this.handle(stream, headers));
  }

  /** Accepts no new connections and sends GOAWAY on open ones; streams under way finish. */
  override drain(): void {
    this.draining = true;
    this.server.close();
    for (const session of this.sessions) session.close();
  }

  /** Ends every session, ours and the upstream's. */
  override close(): void {
    for (const session of this.sessions) session.destroy();
    this.upstream?.destroy();
    this.upstream = undefined;
  }

  private session(): ClientHttp2Session {
    if (this.upstream && !this.upstream.closed && !this.upstream.destroyed) return this.upstream;
    const session = connect(`http://${this.route.upstreamHost}:${this.route.upstreamPort}`, {
      settings: SETTINGS,
      maxSessionMemory: SESSION_MEMORY_MB,
    });
    session.on('error', () => undefined);
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
    const forget = () => {
      if (this.upstream === session) this.upstream = undefined;
    };
    session.once('close', forget);
    session.once('goaway', forget);
    this.upstream = session;
    return session;
  }

  private handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const grpc = isGrpc(headers);
    if (this.draining) {
      stream.resume();
      refuse(stream, grpc, 14, 503, 'the prescaler agent is shutting down: send the call to another pod');
      return;
    }
    const ticket = this.tracker.begin(this.name, headers);
    let outcome: Outcome = 'retryable';
    stream.once('close', () =>
      ticket.end(stream.rstCode === constants.NGHTTP2_NO_ERROR ? outcome : 'retryable'),
    );

    const out = forwarded(headers, (name) => name !== ':protocol');
    let up: ClientHttp2Stream;
    try {
      up = this.session().request(out, { endStream: false });
    } catch {
      // The shared session is going away (GOAWAY): open a fresh one.
      this.upstream = undefined;
      up = this.session().request(out, { endStream: false });
    }
    let trailers: IncomingHttpHeaders | undefined;
    up.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = t;
      if (grpc) outcome = grpcOutcome(Number(t['grpc-status'] ?? 2));
    });
    up.once('response', (answer: IncomingHttpHeaders, flags: number) => {
      const status = Number(answer[':status'] ?? 502);
      const out = forwarded(answer, (name) => RESPONSE_PSEUDO.has(name));
      if (flags & constants.NGHTTP2_FLAG_END_STREAM) {
        outcome = grpc ? grpcOutcome(Number(answer['grpc-status'] ?? 2)) : httpOutcome(status);
        if (!stream.destroyed) stream.respond(out, { endStream: true });
        return;
      }
      if (!grpc) outcome = httpOutcome(status);
      if (stream.destroyed) return;
      stream.respond(out, { waitForTrailers: grpc });
      if (grpc)
        stream.once('wantTrailers', () =>
          stream.sendTrailers(forwarded(trailers ?? { 'grpc-status': '2' }, () => false)),
        );
      relay(up, stream);
    });
    up.once('error', (error: NodeJS.ErrnoException) => {
      this.metrics.upstreamErrors.inc({ route: this.name });
      refuse(
        stream,
        grpc,
        14,
        502,
        `upstream ${this.route.upstream} unavailable: ${error.code ?? error.message}`,
      );
    });
    up.once('close', () => {
      // The upstream reset the stream (or its connection went): reset ours the same way.
      if (
        up.rstCode !== undefined &&
        up.rstCode !== constants.NGHTTP2_NO_ERROR &&
        !stream.destroyed &&
        stream.headersSent
      )
        stream.close(up.rstCode);
    });
    stream.once('close', () => {
      // The caller cancelled (RST_STREAM) or went away: cancel upstream too.
      if (!up.destroyed && stream.rstCode !== constants.NGHTTP2_NO_ERROR) up.close(constants.NGHTTP2_CANCEL);
    });
    // An upstream failure leaves the caller's stream open for the answer (relay never destroys).
    relay(stream, up);
  }
}
