import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { ProgressReporter, drainOnSigterm } from '../../../../shared/redis/progress.js';
import { RedisServer } from '../../../../emulator/stack/redis-server.js';

describe('the termination rule on a real Redis', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('on SIGTERM takes nothing new, finishes what it holds, then deletes the heartbeat', async () => {
    const reporter = new ProgressReporter(redis, 'acme/resnet/v1', 'pod-a', 'term');
    await reporter.heartbeat(2);
    const signals = new EventEmitter();
    const steps: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const exited = new Promise<unknown>((resolve) =>
      drainOnSigterm(
        reporter,
        {
          stopTaking: () => steps.push('stop taking'),
          finishHeld: async () => {
            await held;
            await reporter.done('b1', 2);
            steps.push('finished');
          },
        },
        (error) => resolve(error ?? 'exit'),
        signals,
      ),
    );
    signals.emit('SIGTERM');
    expect(steps).toEqual(['stop taking']);
    // Still busy while it holds images: reconcile sees the heartbeat.
    expect(await redis.exists('term:{acme/resnet/v1}:pod:pod-a')).toBe(1);
    release();
    expect(await exited).toBe('exit');
    expect(steps).toEqual(['stop taking', 'finished']);
    expect(await redis.exists('term:{acme/resnet/v1}:pod:pod-a')).toBe(0);
    expect(await redis.hget('term:{acme/resnet/v1}:done', 'b1')).toBe('2');
  });
});
