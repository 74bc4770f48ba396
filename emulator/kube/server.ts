/**
 * The HTTP(S) front of the emulator (Node's http/https only): reads each request, brings the
 * simulated cluster up to the clock's now, authenticates the bearer token (401), routes the path,
 * authorizes the request (403, before the object is even looked up, as the real server does),
 * hands resource requests to api.ts and watches to watch.ts, and writes the answer: JSON with
 * `Content-Type: application/json`, or a `meta.k8s.io` Table / PartialObjectMetadata when the
 * Accept header asks for one, or a Status body for any failure.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../shared/clock.js';
import { Api, type Reply } from './api.js';
import {
  apiGroupList,
  apiVersions,
  appsApiGroup,
  appsV1Resources,
  coreV1Resources,
  serverVersion,
} from './discovery.js';
import type { KubeObject } from './objects.js';
import { forbiddenReason, type Authorizer } from './rbac.js';
import { requestInfo, type ResourceRequest } from './routes.js';
import { parseSelector } from './selector.js';
import type { Simulation } from './simulation.js';
import { ApiError, forbidden, forbiddenPath, gone, internal, pathNotFound, unauthorized } from './status.js';
import type { Store } from './store.js';
import { table, type IncludeObject, type TableResource } from './tables.js';
import type { Certificates } from './tls.js';
import { WatchHub, type WatchEvent } from './watch.js';

const maxBody = 3 * 1024 * 1024;

/** Paths anyone may read without credentials (system:public-info-viewer). */
const publicPaths = new Set(['/version', '/healthz', '/livez', '/readyz']);

export interface ServerDeps {
  readonly store: Store;
  readonly simulation: Simulation;
  readonly authorizer: Authorizer;
  readonly clock: Clock;
  /** One line per request when given: `METHOD path status user`. */
  readonly log?: (line: string) => void;
  /**
   * Who a request without credentials acts as. Over plain HTTP kubectl never sends a token
   * (client-go only attaches credentials to TLS connections), so the HTTP server treats such
   * requests as the admin, as the API server's old insecure port did; over HTTPS they get 401.
   */
  readonly anonymousUser?: string;
}

type Representation =
  | { readonly as: 'json' }
  | { readonly as: 'Table'; readonly version: 'v1' | 'v1beta1' }
  | { readonly as: 'PartialObjectMetadata'; readonly version: 'v1' | 'v1beta1' };

/** Picks the first representation of the Accept header that the emulator can produce. */
export function representation(accept: string | undefined): Representation | undefined {
  if (accept === undefined || accept.trim() === '') return { as: 'json' };
  for (const range of accept.split(',')) {
    const [type = '', ...paramParts] = range.split(';').map((p) => p.trim());
    const params = new Map(
      paramParts.map((p) => {
        const [k = '', v = ''] = p.split('=');
        return [k.trim().toLowerCase(), v.trim()] as const;
      }),
    );
    const as = params.get('as');
    const version = params.get('v');
    const isJson = type === 'application/json' || type === '*/*' || type === 'application/*';
    if (!isJson) continue;
    if (as === undefined) return { as: 'json' };
    if (params.get('g') !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1')) continue;
    if (as === 'Table') return { as: 'Table', version };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { as: 'PartialObjectMetadata', version };
    }
  }
  return undefined;
}

function includeObject(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

export class KubeServer {
  private readonly server: Server;
  private readonly api: Api;
  private readonly watches: WatchHub;
  private readonly openStreams = new Set<ServerResponse>();
  private address = '127.0.0.1:0';

  constructor(
    private readonly deps: ServerDeps,
    certificates: Certificates | undefined,
  ) {
    this.api = new Api(deps.store, deps.simulation, deps.clock);
    this.watches = new WatchHub(deps.store);
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.serve(req, res).catch((error: unknown) => this.fail(res, error));
    };
    this.server =
      certificates === undefined
        ? createHttpServer({ keepAlive: true }, handler)
        : createHttpsServer(
            { key: certificates.keyPem, cert: certificates.certPem, keepAlive: true },
            handler,
          );
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const bound = (this.server.address() as AddressInfo).port;
    this.address = `${host}:${bound}`;
    return bound;
  }

  async close(): Promise<void> {
    for (const res of this.openStreams) res.end();
    this.openStreams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private write(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Audit-Id': randomUUID(),
      'Cache-Control': 'no-cache, private',
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private fail(res: ServerResponse, error: unknown): void {
    const apiError = error instanceof ApiError ? error : internal((error as Error)?.message ?? String(error));
    if (res.headersSent) {
      res.end();
      return;
    }
    this.write(res, apiError.code, apiError.body);
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > maxBody)
        throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
      chunks.push(buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private authenticate(req: IncomingMessage, path: string): string {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      if (header === '' && this.deps.anonymousUser !== undefined) return this.deps.anonymousUser;
      if (header === '' && publicPaths.has(path)) return 'system:anonymous';
      throw unauthorized();
    }
    const user = this.deps.authorizer.authenticate(match[1] as string);
    if (user === undefined) throw unauthorized();
    return user;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    let status = 200;
    let user = '-';
    res.once('finish', () => this.deps.log?.(`${method} ${req.url ?? ''} ${status} ${user}`));
    try {
      this.deps.simulation.advance();
      user = this.authenticate(req, path);
      const info = requestInfo(method, path, url.searchParams);
      if (info.kind === 'path') {
        if (method !== 'GET' && method !== 'HEAD') throw forbiddenPath(user, info.verb, path);
        this.write(res, 200, this.nonResource(path));
        return;
      }
      this.authorize(user, info);
      const body = method === 'GET' || method === 'HEAD' ? '' : await this.readBody(req);
      if (info.verb === 'watch') {
        this.watch(req, res, info, url.searchParams);
        return;
      }
      const reply = this.api.handle({
        info,
        query: url.searchParams,
        contentType: req.headers['content-type'],
        body,
      });
      status = reply.status;
      this.reply(req, res, reply, url.searchParams);
    } catch (error) {
      status = error instanceof ApiError ? error.code : 500;
      this.fail(res, error);
    }
  }

  private nonResource(path: string): unknown {
    switch (path) {
      case '/version':
        return serverVersion;
      case '/api':
        return apiVersions(this.address);
      case '/apis':
        return apiGroupList;
      case '/api/v1':
        return coreV1Resources;
      case '/apis/apps':
        return appsApiGroup;
      case '/apis/apps/v1':
        return appsV1Resources;
      case '/healthz':
      case '/livez':
      case '/readyz':
        return 'ok';
      default:
        throw pathNotFound();
    }
  }

  private authorize(user: string, info: ResourceRequest): void {
    const attributes = {
      verb: info.verb,
      group: info.group,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
    };
    if (this.deps.authorizer.allows(user, attributes)) return;
    throw forbidden(
      { group: info.group, resource: info.resource },
      info.name,
      forbiddenReason(user, attributes),
    );
  }

  private render(reply: Reply, req: IncomingMessage, query: URLSearchParams): unknown {
    const wanted = representation(req.headers.accept);
    if (wanted === undefined) {
      throw new ApiError(
        406,
        'NotAcceptable',
        'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      );
    }
    const view = reply.view;
    if (view === undefined || wanted.as === 'json') return reply.body;
    const rv = this.deps.store.resourceVersion;
    if (wanted.as === 'Table') {
      return table(
        view.resource,
        view.objects,
        rv,
        this.deps.clock.now(),
        includeObject(query),
        wanted.version,
      );
    }
    const apiVersion = `meta.k8s.io/${wanted.version}`;
    const partial = (o: KubeObject): unknown => ({
      kind: 'PartialObjectMetadata',
      apiVersion,
      metadata: o.metadata,
    });
    const isList = (reply.body as { kind?: string }).kind?.endsWith('List') ?? false;
    if (!isList) return partial(view.objects[0] as KubeObject);
    const listMeta = (reply.body as { metadata: unknown }).metadata;
    return {
      kind: 'PartialObjectMetadataList',
      apiVersion,
      metadata: listMeta,
      items: view.objects.map(partial),
    };
  }

  private reply(req: IncomingMessage, res: ServerResponse, reply: Reply, query: URLSearchParams): void {
    this.write(res, reply.status, this.render(reply, req, query));
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    info: ResourceRequest,
    query: URLSearchParams,
  ): void {
    const kinds: Readonly<Record<string, KubeObject['kind']>> = {
      'apps/deployments': 'Deployment',
      '/pods': 'Pod',
      '/namespaces': 'Namespace',
    };
    const kind = info.subresource === '' ? kinds[`${info.group}/${info.resource}`] : undefined;
    if (kind === undefined || info.version !== 'v1') throw pathNotFound();
    const labelText = query.get('labelSelector') ?? '';
    const labels = labelText.trim() === '' ? undefined : parseSelector(labelText);
    const fieldText = query.get('fieldSelector') ?? '';
    const nameMatch = /^metadata\.name==?(.*)$/.exec(fieldText.trim());
    const onlyName = info.name !== '' ? info.name : nameMatch?.[1];
    const wanted = representation(req.headers.accept) ?? { as: 'json' };
    const resource = info.resource as TableResource;
    const namespace = info.resource === 'namespaces' ? '' : info.namespace;
    const store = this.deps.store;
    const current = (): KubeObject[] =>
      kind === 'Pod'
        ? store.pods(namespace === '' ? undefined : namespace).map((e) => e.object)
        : kind === 'Deployment'
          ? store.deployments(namespace === '' ? undefined : namespace).map((e) => e.object)
          : store.namespaces();
    let first = true;
    const encode = (event: WatchEvent): string => {
      let object: unknown = event.object;
      if (wanted.as === 'Table') {
        const t = table(
          resource,
          [event.object],
          event.object.metadata.resourceVersion,
          this.deps.clock.now(),
          includeObject(query),
          wanted.version,
        );
        if (!first) t.columnDefinitions = [];
        object = t;
      } else if (wanted.as === 'PartialObjectMetadata') {
        object = {
          kind: 'PartialObjectMetadata',
          apiVersion: `meta.k8s.io/${wanted.version}`,
          metadata: event.object.metadata,
        };
      }
      first = false;
      return `${JSON.stringify({ type: event.type, object })}\n`;
    };
    const started = this.watches.open(
      {
        kind,
        namespace,
        matches: (o) =>
          (labels === undefined || labels.matches(o.metadata.labels)) &&
          (onlyName === undefined || o.metadata.name === onlyName),
      },
      query.get('resourceVersion') ?? undefined,
      current,
      (event) => res.write(encode(event)),
    );
    if (!started.ok) {
      throw gone(`too old resource version: ${query.get('resourceVersion') ?? ''} (${started.oldest})`);
    }
    res.writeHead(200, {
      'Audit-Id': randomUUID(),
      'Cache-Control': 'no-cache, private',
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
    });
    this.openStreams.add(res);
    for (const event of started.backlog) res.write(encode(event));
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(() => res.end(), Math.max(1, timeoutSeconds) * 1000);
    timer.unref();
    const finish = (): void => {
      clearTimeout(timer);
      started.stop();
      this.openStreams.delete(res);
    };
    res.once('close', finish);
    req.once('close', () => {
      finish();
      res.end();
    });
  }
}
