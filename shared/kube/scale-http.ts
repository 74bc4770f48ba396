/**
 * The scale subresource over Node's own http/https: the read and the conditional write that every
 * prescale event makes, on one keep-alive connection pool per cluster. These two calls are the
 * function's hot path; through @kubernetes/client-node each costs its generated serializer, its
 * middleware chain and its own bundled HTTP stack, and loading the library is most of a cold
 * start. Everything else (pods, ReplicaSets, annotations, autoscalers, and the kubeconfig itself)
 * stays on client-node, created only when first needed.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  scaleBody,
  scaleState,
  statusError,
  timeoutError,
  toKubeError,
  type ScaleApi,
  type ScaleObject,
  type ScaleRef,
  type ScaleState,
} from './scale-api.js';

/** Where and how to reach one cluster's API server. */
export interface ScaleEndpoint {
  /** https://host:port (or http:// for a local API server). */
  readonly server: string;
  /** PEM; the system roots when absent. */
  readonly ca?: string | Buffer | undefined;
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
  readonly rejectUnauthorized?: boolean | undefined;
  readonly servername?: string | undefined;
  /** Sent with every call: Authorization, Impersonate-User. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs?: number | undefined;
}

/** Connections kept per cluster: enough for one round per target in flight, bounded handshakes. */
const MAX_SOCKETS = 32;

/** Reads and writes Scale objects itself; the rest of ScaleApi goes to `rest`, made on first use. */
export class HttpScaleApi implements ScaleApi {
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private restApi: Promise<ScaleApi> | undefined;

  constructor(
    private readonly endpoint: ScaleEndpoint,
    private readonly rest: () => Promise<ScaleApi>,
  ) {
    this.url = new URL(endpoint.server);
    const tls = this.url.protocol === 'https:';
    const pool = { keepAlive: true, maxSockets: MAX_SOCKETS, scheduling: 'lifo' as const };
    this.agent = tls
      ? new HttpsAgent({
          ...pool,
          ...(endpoint.ca ? { ca: endpoint.ca } : {}),
          ...(endpoint.cert ? { cert: endpoint.cert } : {}),
          ...(endpoint.key ? { key: endpoint.key } : {}),
          ...(endpoint.servername ? { servername: endpoint.servername } : {}),
          rejectUnauthorized: endpoint.rejectUnauthorized ?? true,
        })
      : new HttpAgent(pool);
    this.request = tls ? httpsRequest : httpRequest;
    this.timeoutMs = endpoint.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  readScale(ref: ScaleRef): Promise<ScaleState> {
    return this.send('GET', ref, `read scale of ${ref.namespace}/${ref.deployment}`);
  }

  writeScale(ref: ScaleRef, replicas: number, resourceVersion: string): Promise<ScaleState> {
    const body = JSON.stringify(scaleBody(ref, replicas, resourceVersion));
    return this.send('PUT', ref, `scale ${ref.namespace}/${ref.deployment} to ${replicas}`, body);
  }

  private send(method: string, ref: ScaleRef, what: string, body?: string): Promise<ScaleState> {
    const path = `${this.url.pathname.replace(/\/$/, '')}/apis/apps/v1/namespaces/${encodeURIComponent(
      ref.namespace,
    )}/deployments/${encodeURIComponent(ref.deployment)}/scale`;
    const options: RequestOptions = {
      method,
      host: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || (this.url.protocol === 'https:' ? 443 : 80),
      path,
      agent: this.agent,
      timeout: this.timeoutMs,
      headers: {
        ...this.endpoint.headers,
        Accept: 'application/json',
        ...(body === undefined
          ? {}
          : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }),
      },
    };
    return new Promise<ScaleState>((resolve, reject) => {
      const req = this.request(options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(toKubeError(error, what)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) return reject(statusError(status, text, what));
          try {
            resolve(scaleState(JSON.parse(text) as ScaleObject));
          } catch (error) {
            reject(toKubeError(error, what));
          }
        });
      });
      req.on('timeout', () => req.destroy(timeoutError(what, this.timeoutMs)));
      req.on('error', (error) => reject(toKubeError(error, what)));
      req.end(body);
    });
  }

  /** The client-node ScaleApi for the other calls; a failure to make it is retried next call. */
  private restOf(): Promise<ScaleApi> {
    if (!this.restApi) {
      const made = this.rest();
      made.catch(() => {
        if (this.restApi === made) this.restApi = undefined;
      });
      this.restApi = made;
    }
    return this.restApi;
  }

  readDeployment(ref: ScaleRef) {
    return this.restOf().then((api) => api.readDeployment(ref));
  }

  listPods(namespace: string, selector: string) {
    return this.restOf().then((api) => api.listPods(namespace, selector));
  }

  annotatePod(...args: Parameters<ScaleApi['annotatePod']>) {
    return this.restOf().then((api) => api.annotatePod(...args));
  }

  otherAutoscalers(ref: ScaleRef) {
    return this.restOf().then((api) => api.otherAutoscalers(ref));
  }

  listReplicaSets(namespace: string, selector: string) {
    return this.restOf().then((api) => api.listReplicaSets(namespace, selector));
  }
}
