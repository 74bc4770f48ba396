/**
 * Listening, for the agent's servers: `listen` starts one (HTTP/1.1 or HTTP/2) on host:port and
 * answers the port bound; `RouteProxy` is what both route proxies share (their route, their name,
 * which is the listen port, and whether they drain).
 */
import type { AddressInfo, Server } from 'node:net';
import type { Route } from './config.js';
import type { AgentMetrics } from './metrics.js';
import type { Tracker } from './tracker.js';

export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export abstract class RouteProxy {
  abstract readonly server: Server;
  protected draining = false;

  constructor(
    protected readonly route: Route,
    protected readonly tracker: Tracker,
    protected readonly metrics: AgentMetrics,
  ) {}

  get name(): string {
    return String(this.route.listenPort);
  }

  async listen(host: string, port = this.route.listenPort): Promise<number> {
    return listen(this.server, host, port);
  }

  /** Stops taking work: new connections are refused; open ones finish what is under way, then close. */
  abstract drain(): void;
  /** Ends every connection (after draining). */
  abstract close(): void;
}
