/**
 * The Redis connection of a function instance: created (and ioredis loaded) on first use, one per
 * instance, tuned to fail
 * fast (no offline queue, short timeouts, one retry) so a dead Redis turns into a quick
 * RedisUnavailable instead of a hung invocation. TLS with the server CA for Memorystore.
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { parseRedisUrl } from '../config/redis-url.js';
import type { RedisMode, RedisSettings } from '../config/settings.js';
import { RedisUnavailable } from '../errors.js';

/** A standalone client or a Redis Cluster client: the commands prescaler sends work on both. */
export type RedisClient = Redis | Cluster;

export function redisOptions(settings: RedisSettings): RedisOptions {
  const url = parseRedisUrl(settings.url, 'REDIS_URL', settings.mode === 'cluster');
  const tls = url.tls || settings.caCert !== undefined;
  const password = url.password ?? settings.password;
  return {
    host: url.host,
    port: url.port,
    ...(url.username ? { username: url.username } : {}),
    ...(password ? { password } : {}),
    db: url.db,
    // Memorystore's certificate names the instance's IP address, which Node checks against host.
    ...(tls ? { tls: settings.caCert ? { ca: settings.caCert } : {} } : {}),
    // RESP2, as ioredis 5 spoke: every Memorystore version answers it (HELLO needs Redis 6), and
    // the connection skips HELLO's round trip.
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    // disconnect() ends the socket and arms a timer that destroys it if it has not closed by then
    // (ioredis connectors/AbstractConnector.ts). A socket that had already failed never closes
    // again, so the timer runs its whole course and holds the process that long: 2 s by default,
    // on every close after Redis was unreachable. Nothing waits on the close of a socket that
    // prescaler drops, so the timer is kept short.
    disconnectTimeout: 100,
  };
}

/** Options of the cluster client: the node options above for every node, same fail-fast rules. */
export function clusterOptions(options: RedisOptions): ClusterOptions {
  const { host: _host, port: _port, db: _db, lazyConnect: _lazy, retryStrategy: _retry, ...node } = options;
  return {
    redisOptions: node,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRedirections: 16,
    slotsRefreshTimeout: 2000,
    // Memorystore cluster nodes announce IP addresses; keep them as given (TLS checks the IP).
    dnsLookup: (address, callback) => callback(null, address),
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  };
}

/** Holds one lazily connected client; `get()` connects on first use and after a failure. */
export class RedisHandle {
  private client: RedisClient | undefined;
  private connecting: Promise<RedisClient> | undefined;

  constructor(
    private readonly options: RedisOptions,
    readonly mode: RedisMode = 'standalone',
  ) {}

  async get(): Promise<RedisClient> {
    if (this.client?.status === 'ready') return this.client;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<RedisClient> {
    if (!this.client) {
      const loaded = await import('ioredis');
      // Bundled by esbuild, the CommonJS package's exports arrive under `default` only.
      const fromDefault = loaded.default as unknown as {
        Redis: typeof loaded.Redis;
        Cluster: typeof loaded.Cluster;
      };
      const Redis = loaded.Redis ?? fromDefault.Redis;
      const Cluster = loaded.Cluster ?? fromDefault.Cluster;
      this.client =
        this.mode === 'cluster'
          ? new Cluster(
              [{ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 6379 }],
              clusterOptions(this.options),
            )
          : new Redis(this.options);
      // Errors surface on commands; without a listener ioredis would print every reconnect.
      this.client.on('error', () => undefined);
    }
    const client = this.client;
    try {
      if (client.status === 'wait') await client.connect();
      // A client that is reconnecting already knows Redis is down: fail now, not after a timeout.
      if (client.status !== 'ready') throw new Error(`connection is ${client.status}`);
      return client;
    } catch (error) {
      throw new RedisUnavailable(
        `Redis at ${this.options.host}:${this.options.port} is unreachable: ${(error as Error).message}`,
        'check the Redis instance, the VPC connector and REDIS_URL',
        { cause: error },
      );
    }
  }

  /**
   * Connects ahead of the first command (at instance start). A failure is not thrown: the client
   * is dropped, so the first command connects afresh and reports the fault the usual way.
   */
  async warm(): Promise<Error | undefined> {
    try {
      await this.get();
      return undefined;
    } catch (error) {
      await this.close();
      return error as Error;
    }
  }

  /** Drops the connection; the next get() connects afresh. */
  close(): Promise<void> {
    this.client?.disconnect();
    this.client = undefined;
    return Promise.resolve();
  }
}

/** Runs a Redis operation, turning connection and command failures into RedisUnavailable. */
export async function withRedis<T>(handle: RedisHandle, op: (redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = await handle.get();
  try {
    return await op(redis);
  } catch (error) {
    if (error instanceof RedisUnavailable) throw error;
    throw new RedisUnavailable(
      `Redis command failed: ${(error as Error).message}`,
      'check the Redis instance',
      {
        cause: error,
      },
    );
  }
}
