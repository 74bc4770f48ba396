import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisServer } from '../../../../emulator/stack/redis-server.js';

describe('RedisServer test helper', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves, dies when killed, and comes back on the same port', async () => {
    const options = {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    };
    const first = new Redis(server.port, '127.0.0.1', options);
    await first.connect();
    expect(await first.set('k', 'v')).toBe('OK');
    first.disconnect();

    await server.kill();
    const down = new Redis(server.port, '127.0.0.1', options);
    await expect(down.connect()).rejects.toThrow(/ECONNREFUSED|Connection is closed/);
    // Given no retries, the refused client has ended: there is nothing left to disconnect (which
    // would only arm ioredis's 2 s timer for a socket that is already gone).
    expect(down.status).toBe('end');

    await server.restart();
    const again = new Redis(server.port, '127.0.0.1', options);
    await again.connect();
    expect(await again.get('k')).toBeNull();
    again.disconnect();
  });
});
