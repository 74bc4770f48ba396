/**
 * Closing the functions' Redis handle leaves nothing behind that holds the process: after Redis
 * was unreachable (the socket already failed, which ioredis's disconnect timer would otherwise
 * wait out for 2 s) and after a normal connection to a real redis-server.
 */
import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisHandle, redisOptions } from '../../../../shared/redis/client.js';
import { RedisUnavailable } from '../../../../shared/errors.js';
import { freePort } from '../../../../emulator/stack/processes.js';
import { redisForSuite } from '../../../support/redis-suite.js';

/** The timers and sockets that keep this process alive, by kind. */
function held(): { Timeout: number; TCPSocketWrap: number } {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return { Timeout: counts.Timeout ?? 0, TCPSocketWrap: counts.TCPSocketWrap ?? 0 };
}

function handleAt(url: string): RedisHandle {
  return new RedisHandle(redisOptions({ url, mode: 'standalone', waitReplicas: 0, waitTimeoutMs: 1000 }));
}

describe('RedisHandle.close', () => {
  const suite = redisForSuite();

  it('leaves no timer running once Redis was unreachable', async () => {
    const before = held().Timeout;
    const handle = handleAt(`redis://127.0.0.1:${await freePort()}`);
    await expect(handle.get()).rejects.toBeInstanceOf(RedisUnavailable);
    await handle.close();
    // Well past the short disconnect timer, well within ioredis's 2 s default.
    await sleep(500);
    expect(held().Timeout).toBe(before);
  });

  it('leaves no socket or timer once a connection to a live Redis is closed', async () => {
    const before = held();
    const handle = handleAt(suite.server.url);
    expect(await (await handle.get()).ping()).toBe('PONG');
    expect(held().TCPSocketWrap).toBe(before.TCPSocketWrap + 1);
    await handle.close();
    await sleep(500);
    expect(held()).toEqual(before);
  });
});
