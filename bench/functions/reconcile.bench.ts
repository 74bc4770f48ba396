/**
 * Benchmark: one reconcile pass over 1,000 targets with 100 open batches each, with a real
 * redis-server and the Kubernetes API emulator over HTTPS. Prints the pass time (target <= 1 s)
 * and the Redis round trips it made, which must grow with targets, not with batches (measured
 * by running the same pass with 1 and with 100 batches per target). Each target runs the one
 * replica its 1,000 outstanding images need, so the pass measures reading and deciding.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { systemClock } from '../../shared/clock.js';
import { ClusterAccess } from '../../shared/kube/cluster.js';
import { silentLogger } from '../../shared/log.js';
import { Ledger } from '../../shared/redis/ledger.js';
import { runReconcile } from '../../functions/reconcile.js';
import { targetName, round, withFixture } from './fixture.js';
import type { Result as BenchResult, Suite } from '../suite.js';
import { localSettings } from '../../emulator/stack/settings.js';
import { createDeps } from '../../functions/deps.js';

const TARGETS = 1000;

/**
 * Commands clients sent: the reconcile path sends only EVALSHA/EVAL and MGET (Lua's own calls
 * show up under their names in commandstats, so they are not counted here).
 */
async function roundTripCount(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const name of ['evalsha', 'eval', 'mget']) {
    total += Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  }
  return total;
}

async function pass(
  batches: number,
): Promise<{ ms: number; roundTrips: number; ok: boolean; outstanding: number }> {
  return withFixture([TARGETS, 1000, 10, 1], async (fixture) => {
    const admin = new Redis(fixture.redis.port, '127.0.0.1');
    const ledger = new Ledger('bench');
    const pipeline = admin.pipeline();
    for (let t = 0; t < TARGETS; t++) {
      const keys = ledger.keys(targetName(t));
      for (let b = 0; b < batches; b++) {
        pipeline.hset(keys.total, `batch-${b}`, 10);
        pipeline.hset(keys.seen, `batch-${b}`, `0:${systemClock.now()}`);
      }
    }
    await pipeline.exec();
    const deps = createDeps(
      localSettings(fixture.registry, fixture.redis.url, ledger.prefix, { reconcileConcurrency: 64 }),
      { clusters: new ClusterAccess({ clock: systemClock }), clock: systemClock, logger: silentLogger },
    );
    // Warm up connections and script caches with one pass, then measure the next one.
    await runReconcile(deps);
    const before = await roundTripCount(admin);
    const started = performance.now();
    const report = await runReconcile(deps);
    const ms = performance.now() - started;
    const roundTrips = (await roundTripCount(admin)) - before;
    await deps.redis.close();
    admin.disconnect();
    const outstanding = report.targets.reduce((sum, t) => sum + (t.outstanding ?? 0), 0);
    return { ms, roundTrips, ok: report.ok, outstanding };
  });
}

export const reconcileBench: Suite = {
  name: 'reconcile',
  async run(): Promise<BenchResult[]> {
    const many = await pass(100);
    const one = await pass(1);
    if (!many.ok || many.outstanding !== TARGETS * 100 * 10 || !one.ok) {
      throw new Error(`reconcile pass failed or miscounted: outstanding ${many.outstanding}`);
    }
    return [
      {
        suite: 'reconcile',
        metric: `pass over ${TARGETS} targets x 100 open batches`,
        value: round(many.ms, 0),
        unit: 'ms',
        target: '<= 1000',
        pass: many.ms <= 1000,
      },
      {
        suite: 'reconcile',
        metric: 'Redis round trips, 100 batches per target',
        value: many.roundTrips,
        unit: 'round trips',
      },
      {
        suite: 'reconcile',
        metric: 'Redis round trips, 1 batch per target',
        value: one.roundTrips,
        unit: 'round trips',
        target: 'same as with 100 batches',
        pass: one.roundTrips === many.roundTrips,
      },
      {
        suite: 'reconcile',
        metric: 'Redis round trips per target',
        value: round(many.roundTrips / TARGETS),
        unit: 'per target',
      },
    ];
  },
};
