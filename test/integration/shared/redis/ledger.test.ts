import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { RedisServer } from '../../../../emulator/stack/redis-server.js';
import type { RedisClient } from '../../../../shared/redis/client.js';
import { Ledger } from '../../../../shared/redis/ledger.js';
import { ProgressReporter } from '../../../../shared/redis/progress.js';
import { RedisCluster } from '../../../support/redis-cluster.js';

const T = 'acme/resnet101/v1';
const NOW = 1_700_000_000_000;
const READ = { staleMs: 60_000, windowMs: 30_000, periodMs: 15_000, mutate: true };

/** A standalone redis-server, and a real 3-master Redis Cluster through the cluster client. */
const MODES = [
  {
    mode: 'standalone',
    start: async () => {
      const server = await RedisServer.start();
      return { client: new Redis(server.port, '127.0.0.1') as RedisClient, stop: () => server.stop() };
    },
  },
  {
    mode: 'cluster',
    start: async () => {
      const cluster = await RedisCluster.start();
      const client = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]?.port ?? 0 }]);
      await client.ping();
      return { client: client as RedisClient, stop: () => cluster.stop() };
    },
  },
] as const;

describe.each(MODES)('Ledger on a real Redis ($mode)', ({ start }) => {
  let stop: () => Promise<void>;
  let redis: RedisClient;
  let ledger: Ledger;

  beforeAll(async () => {
    ({ client: redis, stop } = await start());
  });
  afterAll(async () => {
    redis.disconnect();
    await stop();
  });
  beforeEach(() => {
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
    // KEYS reads one node: on a cluster, ask every master.
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const keys = (await Promise.all(nodes.map((n) => n.keys(`${ledger.prefix}:*`)))).flat();
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

  it('expires only when the whole target shows no progress for staleMs with Ready pods', async () => {
    await ledger.register(redis, T, { batchId: 'long', images: 8 }, NOW);
    await ledger.register(redis, T, { batchId: 'queued', images: 8 }, NOW);
    const worker = new ProgressReporter(redis, T, 'p', ledger.prefix);
    const expire = (nowMs: number, ready = true) =>
      ledger.expire(redis, T, { nowMs, staleMs: 60_000, ready, mutate: true });
    // The long batch keeps moving; the queued one waits behind it far longer than staleMs.
    for (let s = 30; s <= 180; s += 30) {
      await worker.done('long', 1);
      const state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + s * 1000 });
      expect(state.stalledMs).toBe(0);
      expect((await expire(NOW + s * 1000)).expired).toEqual([]);
    }
    // Then nothing moves, but no pod is Ready (pods waiting for nodes): nothing expires.
    let state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 300_000 });
    expect(state.stalledMs).toBe(120_000);
    expect(await expire(NOW + 300_000, false)).toEqual({ expired: [], work: undefined });
    state = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 330_000 });
    expect(state.stalledMs).toBe(30_000);
    expect((await expire(NOW + 330_000)).expired).toEqual([]);
    // Ready pods, still no progress for staleMs: the target's work expires, all of it.
    const expiry = await expire(NOW + 360_000);
    expect(expiry.expired).toEqual([
      { batchId: 'long', outstanding: 2 },
      { batchId: 'queued', outstanding: 8 },
    ]);
    expect(expiry.work).toEqual({ outstanding: 0, openBatches: 0, deadlines: [] });
  });

  it('re-opens an expired batch announced again, with the progress it had', async () => {
    await ledger.register(redis, T, { batchId: 'b1', images: 10 }, NOW);
    await new ProgressReporter(redis, T, 'p', ledger.prefix).done('b1', 4);
    await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 1000 });
    const expiry = await ledger.expire(redis, T, {
      nowMs: NOW + 62_000,
      staleMs: 60_000,
      ready: true,
      mutate: true,
    });
    expect(expiry.expired).toEqual([{ batchId: 'b1', outstanding: 6 }]);
    const again = await ledger.register(redis, T, { batchId: 'b1', images: 10 }, NOW + 70_000);
    expect(again).toMatchObject({ status: 'reopened', total: 10, work: { outstanding: 6, openBatches: 1 } });
    expect(await ledger.register(redis, T, { batchId: 'b1', images: 10 }, NOW + 71_000)).toMatchObject({
      status: 'duplicate',
    });
  });

  it('records a scale-in ahead of its write only while the fence stands', async () => {
    await ledger.register(redis, T, { batchId: 'b1', images: 4 }, NOW);
    const read = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 1000 });
    expect(read.generation).toBe(1);
    const scaleIn = { nowMs: NOW + 1000, recommended: 2, from: 10, to: 5, decision: { to: 5 } };
    // A registration between the read and the write moves the fence: nothing is recorded.
    await ledger.register(redis, T, { batchId: 'b2', images: 8 }, NOW + 1000);
    expect(await ledger.recordScaleIn(redis, T, { ...scaleIn, generation: read.generation })).toBe(false);
    expect(await redis.zcard(ledger.keys(T).scaleIns)).toBe(0);
    // A duplicate registration adds no work and leaves the fence alone.
    await ledger.register(redis, T, { batchId: 'b2', images: 8 }, NOW + 1500);
    const fresh = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 2000 });
    expect(fresh.generation).toBe(2);
    expect(await ledger.recordScaleIn(redis, T, { ...scaleIn, generation: fresh.generation })).toBe(true);
    const after = await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 3000 });
    expect(after.recentScaleIns).toEqual([{ atMs: NOW + 1000, from: 10, to: 5 }]);
    await ledger.unrecordScaleIn(redis, T, { atMs: NOW + 1000, from: 10, to: 5 });
    expect((await ledger.sweepAndRead(redis, T, { ...READ, nowMs: NOW + 4000 })).recentScaleIns).toEqual([]);
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

  it('adds up the holders of a pod and its plain heartbeat; a holder that stops refreshing stops counting', async () => {
    const keys = ledger.keys(T);
    const a1 = new ProgressReporter(redis, T, 'pod-a', ledger.prefix, 30);
    const short = new ProgressReporter(redis, T, 'pod-b', ledger.prefix, 1);
    await a1.hold('proc-1', 2);
    await a1.hold('proc-2', 3);
    await a1.heartbeat(1);
    await short.hold('crashed', 4);
    const pttl = await redis.pttl(keys.holders('pod-a'));
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    expect([...(await ledger.inFlight(redis, T, ['pod-a', 'pod-b', 'pod-c']))]).toEqual([
      ['pod-a', 6],
      ['pod-b', 4],
      ['pod-c', 0],
    ]);
    // Refreshing replaces the expiry, not the count.
    await a1.hold('proc-1', 2);
    expect(await redis.zcard(keys.holders('pod-a'))).toBe(2);
    await a1.release('proc-2', 3);
    await a1.heartbeat(0);
    // The short holder is never refreshed: once its expiry passes it no longer counts, whether
    // or not Redis has dropped its key yet.
    const expiry = Number(await redis.zscore(keys.holders('pod-b'), 'crashed:4'));
    const serverMs = async () => {
      const [s, us] = await redis.time();
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    };
    while ((await serverMs()) <= expiry) await new Promise((resolve) => setTimeout(resolve, 100));
    expect([...(await ledger.inFlight(redis, T, ['pod-a', 'pod-b']))]).toEqual([
      ['pod-a', 2],
      ['pod-b', 0],
    ]);
    await a1.release('proc-1', 2);
    expect(await redis.exists(keys.holders('pod-a'))).toBe(0);
  });
});
