/**
 * The Redis connection of a function instance: created (and ioredis loaded) on first use, one per
 * instance, tuned to fail
 * fast (no offline queue, short timeouts, one retry) so a dead Redis turns into a quick
 * RedisUnavailable instead of a hung invocation. TLS with the server CA for Memorystore.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config/settings.js';
import { RedisUnavailable } from '../errors.js';

export function redisOptions(settings: RedisSettings): RedisOptions {
  const url = new URL(settings.url);
  const tls = url.protocol === 'rediss:' || settings.caCert !== undefined;
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(settings.password ? { password: settings.password } : {}),
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
  };
}

/** Holds one lazily connected client; `get()` connects on first use and after a failure. */
export class RedisHandle {
  private client: Redis | undefined;
  private connecting: Promise<Redis> | undefined;

  constructor(private readonly options: RedisOptions) {}

  async get(): Promise<Redis> {
    if (this.client?.status === 'ready') return this.client;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Redis> {
    if (!this.client) {
      const loaded = await import('ioredis');
      // Bundled by esbuild, the CommonJS package's exports arrive under `default` only.
      const Redis = loaded.Redis ?? (loaded.default as unknown as { Redis: typeof loaded.Redis }).Redis;
      this.client = new Redis(this.options);
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
export async function withRedis<T>(handle: RedisHandle, op: (redis: Redis) => Promise<T>): Promise<T> {
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
