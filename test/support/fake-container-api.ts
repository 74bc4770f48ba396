/**
 * A loopback fake of the GKE container REST API (v1), as @google-cloud/container speaks it in
 * REST fallback mode: `GET /v1/projects/{p}/locations/{l}/clusters/{c}` answers the JSON of a
 * Cluster for the clusters it was given, and a Google error body with 404 NOT_FOUND for any
 * other name. Every request is recorded with its Authorization header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The fields of a v1 Cluster prescaler reads. */
export interface FakeCluster {
  readonly endpoint: string;
  /** Base64 of the cluster CA's PEM, as GKE returns it. */
  readonly clusterCaCertificate: string;
}

export interface ContainerRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
}

const CLUSTER_PATH = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/clusters\/[^/]+)$/;

export class FakeContainerApi {
  /** Every request received, oldest first. */
  readonly requests: ContainerRequest[] = [];

  readonly port: number;
  private readonly server: Server;
  private readonly clusters: ReadonlyMap<string, FakeCluster>;

  private constructor(server: Server, clusters: ReadonlyMap<string, FakeCluster>) {
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.clusters = clusters;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  /** Listens on a free loopback port; `clusters` maps `projects/P/locations/L/clusters/C` to a Cluster. */
  static async start(clusters: Readonly<Record<string, FakeCluster>>): Promise<FakeContainerApi> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new FakeContainerApi(server, new Map(Object.entries(clusters)));
  }

  /** Requests for one cluster's getCluster, oldest first. */
  getClusterCalls(name: string): ContainerRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.path === `/v1/${name}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, authorization: req.headers.authorization });
    req.resume();
    const name = method === 'GET' ? CLUSTER_PATH.exec(path)?.[1] : undefined;
    if (name === undefined) return this.error(res, 404, 'NOT_FOUND', `no route ${method} ${path}`);
    const cluster = this.clusters.get(name);
    if (!cluster) return this.error(res, 404, 'NOT_FOUND', `Not found: ${name}.`);
    const [, project = '', , location = '', , id = ''] = name.split('/');
    this.json(res, 200, {
      name: id,
      location,
      selfLink: `https://container.googleapis.com/v1/projects/${project}/locations/${location}/clusters/${id}`,
      status: 'RUNNING',
      endpoint: cluster.endpoint,
      masterAuth: { clusterCaCertificate: cluster.clusterCaCertificate },
    });
  }

  private error(res: ServerResponse, code: number, status: string, message: string): void {
    this.json(res, code, { error: { code, message, status } });
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }
}
