/**
 * Jest hooks around a private redis-server (redis-server.ts stays free of Jest: the benchmarks
 * use it too).
 */
import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisServer } from '../../emulator/stack/redis-server.js';

/**
 * A private redis-server and one client for a describe block: started before its tests, stopped
 * after them. Read `redis` inside tests and hooks (it is set once the server is up).
 */
export function redisForSuite(): { readonly redis: Redis; readonly server: RedisServer } {
  const suite = {} as { redis: Redis; server: RedisServer };
  beforeAll(async () => {
    suite.server = await RedisServer.start();
    suite.redis = new Redis(suite.server.port, '127.0.0.1');
  });
  afterAll(async () => {
    suite.redis.disconnect();
    await suite.server.stop();
  });
  return suite;
}
