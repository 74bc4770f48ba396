/**
 * The agent put together: one proxy per route, the in-flight set and its heartbeat, the
 * background count writer, the metrics and the admin port, all on one lazily connected Redis
 * client (shared/redis/client.ts: fail fast, RESP2). `shutdown()` is what SIGTERM does: stop
 * taking work on the routes, let what is in flight finish (up to the grace period), write the
 * last counts, let the heartbeat go, close everything.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import { RedisHandle, redisOptions, withRedis } from '../shared/redis/client.js';
import { ProgressReporter } from '../shared/redis/progress.js';
import { AdminServer } from './admin.js';
import type { AgentConfig } from './config.js';
import { InFlight } from './inflight.js';
import { AgentMetrics } from './metrics.js';
import { ProgressWriter } from './progress-writer.js';
import type { RouteProxy } from './listen.js';
import { H2Proxy } from './proxy-h2.js';
import { Http1Proxy } from './proxy-http1.js';
import { Tracker } from './tracker.js';

export interface AgentDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Interface the routes and the admin port listen on; default all (`0.0.0.0`). */
  readonly host?: string;
  /** Listen on free ports instead of the configured ones (tests). */
  readonly anyPort?: boolean;
}

const TROUBLE_LOG_MS = 60_000;
/** A busy pod's changed image count is written at most once a second (inflight.ts). */
const HEARTBEAT_COALESCE_MS = 1000;
/** Counts wait 100 ms for others of their batch before one write takes them all. */
const COUNT_LINGER_MS = 100;

export class Agent {
  /** Listen port per configured port (the same unless `anyPort`). */
  readonly ports = new Map<number, number>();
  adminPort = 0;
  private draining = false;
  private shuttingDown: Promise<void> | undefined;
  private readonly proxies: RouteProxy[];
  private readonly admin: AdminServer;
  private readonly troubleTimer: NodeJS.Timeout;
  private trouble = { redisErrors: 0, lost: 0, lastError: '' };

  readonly inFlight: InFlight;
  readonly writer: ProgressWriter;
  readonly metrics: AgentMetrics;
  private readonly redis: RedisHandle;

  constructor(
    readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.redis = new RedisHandle(redisOptions(config.redis));
    const reporter = (run: (r: ProgressReporter) => Promise<void>) =>
      withRedis(this.redis, (redis) =>
        run(
          new ProgressReporter(redis, config.target, config.pod, config.keyPrefix, config.heartbeatSeconds),
        ),
      );
    const onError = (error: unknown) => {
      this.metrics.redisErrors.inc();
      this.trouble.redisErrors++;
      this.trouble.lastError = (error as Error).message;
    };
    this.inFlight = new InFlight({
      writer: { heartbeat: (n) => reporter((r) => r.heartbeat(n)) },
      refreshMs: config.refreshSeconds * 1000,
      coalesceMs: HEARTBEAT_COALESCE_MS,
      onError,
    });
    this.writer = new ProgressWriter({
      sink: {
        done: (batchId, n) => reporter((r) => r.done(batchId, n)),
        failed: (batchId, n) => reporter((r) => r.failed(batchId, n)),
      },
      clock: deps.clock,
      retryMs: config.retrySeconds * 1000,
      lingerMs: COUNT_LINGER_MS,
      onError,
      onLost: (kind, batchId, images) => {
        this.metrics.imagesLost.inc({ outcome: kind }, images);
        this.trouble.lost += images;
        deps.logger.log(
          'ERROR',
          `${images} ${kind} image count(s) of batch ${batchId} could not be written to Redis`,
          {
            event: 'count_lost',
            batchId,
            kind,
            images,
          },
        );
      },
    });
    this.metrics = new AgentMetrics({
      requests: () => this.inFlight.requests,
      images: () => this.inFlight.value,
      pending: () => this.writer.pendingImages,
    });
    const tracker = new Tracker(this.inFlight, this.writer, this.metrics, deps.logger);
    this.proxies = config.routes.map((route) =>
      route.protocol === 'h2c'
        ? new H2Proxy(route, tracker, this.metrics, deps.logger)
        : new Http1Proxy(route, tracker, this.metrics, deps.logger),
    );
    this.admin = new AdminServer(this.inFlight, this.metrics, () => this.draining);
    this.troubleTimer = setInterval(() => this.reportTrouble(), TROUBLE_LOG_MS);
    this.troubleTimer.unref();
  }

  /** Opens the admin port and every route. */
  async start(): Promise<void> {
    const host = this.deps.host ?? '0.0.0.0';
    this.adminPort = await this.admin.listen(host, this.deps.anyPort ? 0 : this.config.adminPort);
    for (const [i, proxy] of this.proxies.entries()) {
      const route = this.config.routes[i]!;
      this.ports.set(route.listenPort, await proxy.listen(host, this.deps.anyPort ? 0 : route.listenPort));
    }
    this.deps.logger.log('INFO', 'prescaler agent started', {
      event: 'agent_started',
      target: this.config.target,
      pod: this.config.pod,
      routes: this.config.routes.map((r) => `${this.ports.get(r.listenPort)}=${r.upstream}`),
      adminPort: this.adminPort,
    });
  }

  /** Stop taking work, finish what is in flight (within the grace period), write the last counts, close. */
  shutdown(graceMs = this.config.graceSeconds * 1000): Promise<void> {
    this.shuttingDown ??= this.drainAndClose(graceMs);
    return this.shuttingDown;
  }

  private async drainAndClose(graceMs: number): Promise<void> {
    this.draining = true;
    const until = this.deps.clock.now() + graceMs;
    const left = () => Math.max(0, until - this.deps.clock.now());
    this.deps.logger.log('INFO', 'prescaler agent draining', {
      event: 'agent_draining',
      inFlight: this.inFlight.requests,
      graceSeconds: graceMs / 1000,
    });
    for (const proxy of this.proxies) proxy.drain();
    const bounded = async (work: Promise<void>) => {
      const timer = new AbortController();
      await Promise.race([work, sleep(left(), undefined, { signal: timer.signal }).catch(() => undefined)]);
      timer.abort();
    };
    await bounded(this.inFlight.idle());
    const abandoned = this.inFlight.requests;
    await bounded(this.writer.drained());
    await bounded(this.inFlight.settled());
    this.writer.close();
    this.inFlight.close();
    for (const proxy of this.proxies) proxy.close();
    this.reportTrouble();
    this.deps.logger.log(abandoned > 0 ? 'WARNING' : 'INFO', 'prescaler agent stopped', {
      event: 'agent_stopped',
      abandonedRequests: abandoned,
    });
    this.admin.close();
    clearInterval(this.troubleTimer);
    await this.redis.close();
  }

  /** At most once a minute: what Redis did not take since the last report. */
  private reportTrouble(): void {
    const { redisErrors, lost, lastError } = this.trouble;
    if (redisErrors === 0 && lost === 0) return;
    this.deps.logger.log(
      lost > 0 ? 'ERROR' : 'WARNING',
      `Redis refused ${redisErrors} write(s) in the last minute`,
      {
        event: 'redis_trouble',
        redisErrors,
        imagesLost: lost,
        imagesPending: this.writer.pendingImages,
        lastError,
      },
    );
    this.trouble = { redisErrors: 0, lost: 0, lastError: '' };
  }
}
