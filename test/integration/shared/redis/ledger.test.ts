import { beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Ledger } from '../../../../shared/redis/ledger.js';
import { ProgressReporter } from '../../../../shared/redis/progress.js';
import { redisForSuite } from '../../../support/redis-suite.js';

const T = 'acme/resnet101/v1';
const NOW = 1_700_000_000_000;
const READ = { staleMs: 60_000, windowMs: 30_000, periodMs: 15_000, mutate: true };

describe('Ledger on a real Redis', () => {
  const suite = redisForSuite();
  let redis: Redis;
  let ledger: Ledger;

  beforeEach(() => {
    redis = suite.redis;
    ledger = new Ledger(`t-${randomUUID().slice(0, 8)}`);
  });

  it('registers a batch once; a duplicate changes nothing; a larger count raises it', async () => {
    const first = await ledger.register(redis, T, { batchId: 'b1', images: 40 }, NOW);
    expect(first).toMatchObject({ status: 'new', total: 40, work: { outstanding: 40, openBatches: 1 } });
    const again = await ledger.register(redis, T, { batchId: 'b1', images: 40 }, NOW + 1);
    expect(again).toMatchObject({ status: 'duplicate', total: 40, work: { outstanding: 40 } });
    const smaller = await ledger.register(redis, T, { batchId: 'b1', images: 10 }, NOW + 2);
    expect(smaller.status).toBe('duplicate');
    const raised = await ledger.register(redis, T, { batchId: 'b1', images: 60 }, NOW + 3);
    expect(raised).toMatchObject({ status: 'raised', total: 60, work: { outstanding: 60 } });
    const second = await ledger.register(
      redis,
      T,
      { batchId: 'b2', images: 5, deadlineMs: NOW + 99_000 },
      NOW + 4,
    );
    expect(second.work).toEqual({
      outstanding: 65,
      openBatches: 2,
      deadlines: [{ outstanding: 5, deadlineMs: NOW + 99_000 }],
    });
  });

  it('keeps every key of a target in one hash slot', async () => {
    await ledger.register(redis, T, { batchId: 'b1', images: 1 }, NOW);
    const keys = await redis.keys(`${ledger.prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    // Redis Cluster hashes only the text between the first { and the next }.
    const tags = new Set(keys.map((key) => /\{([^}]*)\}/.exec(key)?.[1]));
    expect(tags).toEqual(new Set([T]));
  });

  it('counts worker progress, clamped to the batch total', async () => {
    await ledger.register(redis, T, { batchId: 'b1', images: 10 }, NOW);
    const worker = new ProgressReporter(redis, T, 'pod-a', ledger.prefix);
    await worker.done('b1', 4);
    await worker.failed('b1', 1);
    let state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 1000 });
    expect(state.work.outstanding).toBe(5);
    await worker.done('b1', 50);
    state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 2000 });
    expect(state.work).toEqual({ outstanding: 0, openBatches: 0, deadlines: [] });
    expect(state.retired).toEqual(['b1']);
  });

  it('a retired batch redelivered later is a duplicate', async () => {
    await ledger.register(redis, T, { batchId: 'b1', images: 3 }, NOW);
    await new ProgressReporter(redis, T, 'p', ledger.prefix).done('b1', 3);
    await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 1000 });
    const redelivered = await ledger.register(redis, T, { batchId: 'b1', images: 3 }, NOW + 2000);
    expect(redelivered).toMatchObject({ status: 'duplicate', work: { outstanding: 0 } });
    const grown = await ledger.register(redis, T, { batchId: 'b1', images: 5 }, NOW + 3000);
    expect(grown).toMatchObject({ status: 'raised', work: { outstanding: 2 } });
  });

  it('expires a batch without progress for staleMs, and reports it', async () => {
    await ledger.register(redis, T, { batchId: 'stuck', images: 8 }, NOW);
    await ledger.register(redis, T, { batchId: 'moving', images: 8 }, NOW);
    const worker = new ProgressReporter(redis, T, 'p', ledger.prefix);
    await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 30_000 });
    await worker.done('moving', 1);
    const state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 61_000 });
    expect(state.expired).toEqual([{ batchId: 'stuck', outstanding: 8 }]);
    expect(state.work).toMatchObject({ outstanding: 7, openBatches: 1 });
  });

  it('a dry run reports the same but writes nothing', async () => {
    await ledger.register(redis, T, { batchId: 'b1', images: 2 }, NOW);
    await new ProgressReporter(redis, T, 'p', ledger.prefix).done('b1', 2);
    const before = await redis.hgetall(ledger.keys(T).total);
    const dry = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 1000, mutate: false });
    expect(dry.retired).toEqual(['b1']);
    expect(await redis.hgetall(ledger.keys(T).total)).toEqual(before);
  });

  it('remembers window recommendations and scale-ins for their periods', async () => {
    await ledger.record(redis, T, { nowMs: NOW, recommended: 9, from: 10, to: 10, decision: { a: 1 } });
    await ledger.record(redis, T, {
      nowMs: NOW + 10_000,
      recommended: 4,
      from: 10,
      to: 6,
      decision: { a: 2 },
    });
    let state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 20_000 });
    expect(state.windowMax).toBe(9);
    expect(state.recentScaleIns).toEqual([{ atMs: NOW + 10_000, from: 10, to: 6 }]);
    expect(state.lastRecommended).toBe(4);
    // 9 was in effect until +10 s, inside the window [+5 s, +35 s]; by +41 s only 4 is left.
    state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 35_000 });
    expect(state.windowMax).toBe(9);
    expect(state.recentScaleIns).toEqual([]);
    state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 41_000 });
    expect(state.windowMax).toBe(4);
    expect(await redis.zcard(ledger.keys(T).window)).toBe(1);
    expect((await ledger.recentDecisions(redis, T)).map((d) => d.a)).toEqual([2, 1]);
  });

  it('reads heartbeats: busy pods hold work, others are idle', async () => {
    const worker = new ProgressReporter(redis, T, 'pod-a', ledger.prefix, 30);
    await worker.heartbeat(2);
    expect(await redis.ttl(ledger.keys(T).pod('pod-a'))).toBeGreaterThan(25);
    const inFlight = await ledger.inFlight(redis, T, ['pod-a', 'pod-b']);
    expect([...inFlight]).toEqual([
      ['pod-a', 2],
      ['pod-b', 0],
    ]);
    await worker.heartbeat(0);
    expect((await ledger.inFlight(redis, T, ['pod-a'])).get('pod-a')).toBe(0);
  });
});
