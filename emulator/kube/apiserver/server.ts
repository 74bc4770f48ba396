/**
 * The HTTP(S) front of the emulator (Node's http/https only), in the order of the API server's
 * handler chain (staging/src/k8s.io/apiserver/pkg/server/config.go DefaultBuildHandlerChain): read
 * the request, bring the simulated cluster up to the clock's now, authenticate the bearer token
 * (401), work out the request info (request-info.ts), authorize (403, before the object is even
 * looked up), then serve discovery, a watch (watch.ts) or a resource request through the registry,
 * whose writes pass the admission plugins (admission.ts) before they are stored. The answer is
 * JSON, a Table / PartialObjectMetadata when the Accept header asks (negotiation.ts), or a Status
 * body for any failure (errors.ts).
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
import type { Clock } from '../../../shared/clock.js';
import type { ControllerManager } from '../controllers/manager.js';
import { Registry, type Reply } from '../registry/index.js';
import type { Store } from '../storage/store.js';
import { WatchCache } from '../storage/watch-cache.js';
import type { Admission } from './admission.js';
import {
  apiGroupList,
  apiVersions,
  appsApiGroup,
  appsV1Resources,
  coreV1Resources,
  serverVersion,
} from './discovery.js';
import { ApiError, forbidden, forbiddenPath, internal, pathNotFound, unauthorized } from './errors.js';
import { acceptable, render } from './negotiation.js';
import { forbiddenReason, type Authorizer } from './rbac.js';
import { requestInfo, type ResourceRequest } from './request-info.js';
import type { Certificates } from '../tls.js';
import { serveWatch } from './watch.js';

const maxBody = 3 * 1024 * 1024;

/** Paths anyone may read without credentials (system:public-info-viewer). */
const publicPaths = new Set(['/version', '/healthz', '/livez', '/readyz']);

export interface ServerDeps {
  readonly store: Store;
  readonly controllers: ControllerManager;
  readonly authorizer: Authorizer;
  /** The admission plugins every write passes. */
  readonly admission: Admission;
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

export class KubeServer {
  private readonly server: Server;
  private readonly registry: Registry;
  private readonly watches: WatchCache;
  private readonly openStreams = new Set<() => void>();
  private address = '127.0.0.1:0';

  constructor(
    private readonly deps: ServerDeps,
    certificates: Certificates | undefined,
  ) {
    this.registry = new Registry(deps);
    this.watches = new WatchCache(deps.store);
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
    for (const end of this.openStreams) end();
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
      this.deps.controllers.advance();
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
        const end = serveWatch(this.watches, this.deps.store, () => this.deps.clock.now(), {
          req,
          res,
          info,
          query: url.searchParams,
        });
        this.openStreams.add(end);
        res.once('close', () => this.openStreams.delete(end));
        return;
      }
      const reply = this.registry.handle({
        info,
        user,
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

  private reply(req: IncomingMessage, res: ServerResponse, reply: Reply, query: URLSearchParams): void {
    const wanted = acceptable(req.headers.accept);
    const view = reply.view;
    const body =
      view === undefined
        ? reply.body
        : render(wanted, reply.body, view.objects, this.deps.store.resourceVersion, {
            resource: view.resource,
            query,
            now: this.deps.clock.now(),
          });
    this.write(res, reply.status, body);
  }
}
