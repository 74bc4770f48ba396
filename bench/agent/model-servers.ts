/**
 * Model servers for the agent's tests, on free loopback ports:
 *
 * - RestModelServer: TF Serving's REST predict (`POST /v1/models/<name>:predict`). It reads the
 *   body as a stream and only counts its bytes; the test asks for an answer with headers:
 *   `x-test-status: N` answers N, `x-test-hold: 1` waits until `release()`.
 * - PredictServer: @grpc/grpc-js serving the TF-Serving-shaped PredictionService of
 *   predict.proto. `model_spec.name` picks the behaviour: "ok" (answers the input's size),
 *   "echo" (sends the input back), "invalid" (INVALID_ARGUMENT), "unavailable" (UNAVAILABLE),
 *   "hold" (waits until `release()`, and notes a cancellation).
 *
 * Both take a `paceMs`: a successful answer waits that long after the request has arrived, the
 * time a real model would spend computing (the benchmark's unsaturated rounds).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('./predict.proto', import.meta.url));

export interface Tensor {
  dtype?: number;
  tensor_content?: Buffer;
}
export interface PredictRequest {
  model_spec?: { name?: string; signature_name?: string };
  inputs?: Record<string, Tensor>;
}
export interface PredictResponse {
  outputs?: Record<string, Tensor>;
  model_spec?: { name?: string };
}

type ServiceClient = grpc.Client & {
  Predict(
    request: PredictRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: PredictResponse) => void,
  ): grpc.ClientUnaryCall;
  PredictStream(request: PredictRequest, metadata: grpc.Metadata): grpc.ClientReadableStream<PredictResponse>;
};

function loadService(): {
  service: grpc.ServiceDefinition;
  Client: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ClientOptions,
  ) => ServiceClient;
} {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, defaults: false });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    tensorflow: { serving: { PredictionService: grpc.ServiceClientConstructor } };
  };
  const ctor = loaded.tensorflow.serving.PredictionService;
  return { service: ctor.service, Client: ctor as unknown as ReturnType<typeof loadService>['Client'] };
}

const MAX_MESSAGE = 64 << 20;

/** A gRPC client of the PredictionService at `address` (host:port), plaintext. */
export function predictClient(address: string): ServiceClient {
  const { Client } = loadService();
  return new Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': MAX_MESSAGE,
    'grpc.max_receive_message_length': MAX_MESSAGE,
  });
}

/** Unary Predict as a promise: resolves with the response, rejects with the ServiceError. */
export function predict(
  client: ServiceClient,
  request: PredictRequest,
  metadata: Record<string, string> = {},
  options: grpc.CallOptions = {},
): Promise<PredictResponse> {
  const meta = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) meta.set(k, v);
  return new Promise((resolve, reject) =>
    client.Predict(request, meta, options, (error, response) =>
      error ? reject(error) : resolve(response ?? {}),
    ),
  );
}

/**
 * TF Serving answers gRPC with gRPC's C++ core, whose BDP probe (on by default) sizes each
 * connection's receive windows to the traffic, so a 1 MiB message does not wait for 16 window
 * updates of 64 KiB. A grpc-js server keeps Node's 64 KiB and offers no option for it
 * (grpc/grpc-node#2429), so the stand-in opens its windows the way TF Serving's end up: 1 MiB per
 * stream, 8 MiB per connection, on the HTTP/2 servers grpc-js keeps in `http2Servers`.
 */
function openWindows(server: grpc.Server): void {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map))
    throw new Error('@grpc/grpc-js no longer keeps its HTTP/2 servers in `http2Servers`: update openWindows');
  for (const http2 of servers.keys() as IterableIterator<Http2Server>) {
    http2.updateSettings({ initialWindowSize: 1 << 20 });
    http2.on('session', (session: ServerHttp2Session) => session.setLocalWindowSize(8 << 20));
  }
}

export class PredictServer {
  readonly server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
  });
  port = 0;
  cancelled = 0;
  calls = 0;
  paceMs = 0;
  private held: Array<() => void> = [];
  private arrivals: Array<() => void> = [];

  static async start(port = 0, paceMs = 0): Promise<PredictServer> {
    const s = new PredictServer();
    s.paceMs = paceMs;
    const { service } = loadService();
    s.server.addService(service, {
      Predict: (
        call: grpc.ServerUnaryCall<PredictRequest, PredictResponse>,
        callback: grpc.sendUnaryData<PredictResponse>,
      ) => s.predict(call, callback),
      PredictStream: (call: grpc.ServerWritableStream<PredictRequest, PredictResponse>) => {
        const size = call.request.inputs?.images?.tensor_content?.length ?? 0;
        for (let i = 0; i < 3; i++)
          call.write({ outputs: { part: { dtype: i, tensor_content: Buffer.alloc(size) } } });
        const trailer = new grpc.Metadata();
        trailer.set('x-test-parts', '3');
        call.end(trailer);
      },
    });
    s.port = await new Promise<number>((resolve, reject) =>
      s.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    openWindows(s.server);
    return s;
  }

  /** Resolves once `n` held calls are waiting. */
  async holding(n: number): Promise<void> {
    while (this.held.length < n) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  release(): void {
    for (const go of this.held.splice(0)) go();
  }

  stop(): Promise<void> {
    this.release();
    this.server.forceShutdown();
    return Promise.resolve();
  }

  private predict(
    call: grpc.ServerUnaryCall<PredictRequest, PredictResponse>,
    callback: grpc.sendUnaryData<PredictResponse>,
  ): void {
    this.calls++;
    const name = call.request.model_spec?.name ?? 'ok';
    const input = call.request.inputs?.images?.tensor_content ?? Buffer.alloc(0);
    const answer = () =>
      callback(null, {
        model_spec: { name },
        outputs: { size: { dtype: input.length, ...(name === 'echo' ? { tensor_content: input } : {}) } },
      });
    if (name === 'invalid')
      return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'bad input tensor' });
    if (name === 'unavailable')
      return callback({ code: grpc.status.UNAVAILABLE, details: 'model is loading' });
    if (name !== 'hold') return paced(this.paceMs, answer);
    let done = false;
    call.once('cancelled', () => {
      if (!done) this.cancelled++;
      done = true;
    });
    this.held.push(() => {
      if (!done) answer();
      done = true;
    });
    for (const wake of this.arrivals.splice(0)) wake();
  }
}

/** Runs `answer` after `ms` (at once for 0). */
function paced(ms: number, answer: () => void): void {
  if (ms > 0) setTimeout(answer, ms);
  else answer();
}

export class RestModelServer {
  port = 0;
  paceMs = 0;
  /** Bytes of request bodies received, summed. */
  bytes = 0;
  private held: Array<() => void> = [];
  private arrivals: Array<() => void> = [];
  private constructor(readonly server: Server) {}

  static async start(port = 0, paceMs = 0): Promise<RestModelServer> {
    const s = new RestModelServer(createServer({ keepAlive: true }));
    s.paceMs = paceMs;
    s.server.on('request', (req, res) => s.handle(req, res));
    await new Promise<void>((resolve) => s.server.listen(port, '127.0.0.1', () => resolve()));
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves once `n` held requests are waiting. */
  async holding(n: number): Promise<void> {
    while (this.held.length < n) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  release(): void {
    for (const go of this.held.splice(0)) go();
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    req.on('end', () => {
      this.bytes += received;
      const status = Number(req.headers['x-test-status'] ?? 200);
      const answer = () => {
        const body = JSON.stringify({ predictions: [[0.9, 0.1]], receivedBytes: received, path: req.url });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      if (req.headers['x-test-hold'] !== '1') return paced(this.paceMs, answer);
      this.held.push(answer);
      for (const wake of this.arrivals.splice(0)) wake();
    });
  }
}
