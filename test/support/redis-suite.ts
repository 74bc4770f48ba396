/**
 * A private redis-server and one client per describe block, for jest suites (benchmarks and the
 * soak use RedisServer directly, outside jest).
 */
import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisServer } from './redis-server.js';

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
