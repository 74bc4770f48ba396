/**
 * scaleUpTo under contention, on a fake of the project's ScaleApi: writers in several instances
 * racing on one Deployment's resourceVersion all finish without a conflict error, the count only
 * goes up, a loser that finds enough replicas writes nothing, backoff is jittered and grows, and
 * the retry is bounded by time while other failures are thrown at once.
 */
import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../../../shared/clock.js';
import { KubeApiError } from '../../../../shared/errors.js';
import { scaleUpTo, type ScaleUpRetry } from '../../../../shared/kube/scale-api.js';
import { FakeScaleApi } from '../../../support/fake-scale-api.js';

const ref = { namespace: 'ml', deployment: 'resnet' };

/** Virtual time: each pause moves the clock and yields to the other writers. */
function virtual(random: () => number = Math.random): ScaleUpRetry & { pauses: number[] } {
  const clock = new ManualClock(1_000);
  const pauses: number[] = [];
  return {
    clock,
    random,
    pauses,
    sleep: (ms) => {
      pauses.push(ms);
      clock.advance(ms);
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('scaleUpTo', () => {
  it('lets 40 writers racing on one Deployment all succeed, ending at the highest count', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 0);
    const retry = virtual();
    const wanted = Array.from({ length: 40 }, (_, i) => 1 + ((i * 7) % 40));
    const results = await Promise.all(wanted.map((n) => scaleUpTo(api, ref, n, retry)));
    expect(api.replicas(ref)).toBe(40);
    results.forEach((result, i) => expect(result.to).toBeGreaterThanOrEqual(wanted[i]!));
    // Every write raised the count: a loser that re-read enough replicas wrote nothing.
    const written = api.writes.map((w) => w.replicas);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(new Set(written).size).toBe(written.length);
    expect(retry.pauses.length).toBeGreaterThan(0);
  });

  it('converges while status updates keep moving the resourceVersion', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 2);
    api.conflicts = 12;
    const result = await scaleUpTo(api, ref, 5, virtual());
    expect(result).toMatchObject({ from: 2, to: 5, written: true, attempts: 13 });
    expect(api.replicas(ref)).toBe(5);
  });

  it('skips the write when a concurrent writer already raised the count far enough', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 1);
    const racing: typeof api.readScale = api.readScale.bind(api);
    let reads = 0;
    api.readScale = async (r) => {
      const state = await racing(r);
      // Another instance writes 9 between this writer's first read and its write.
      if (++reads === 1) await api.writeScale(r, 9, state.resourceVersion);
      return state;
    };
    const result = await scaleUpTo(api, ref, 6, virtual());
    expect(result).toMatchObject({ from: 1, to: 9, written: false, attempts: 2 });
    expect(api.writes.map((w) => w.replicas)).toEqual([9]);
  });

  it('backs off with full jitter under a growing, capped ceiling', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 0);
    api.conflicts = 9;
    const high = virtual(() => 0.999);
    await scaleUpTo(api, ref, 1, high);
    expect(high.pauses.map(Math.round)).toEqual([8, 16, 32, 64, 128, 250, 250, 250, 250]);
    api.conflicts = 3;
    const low = virtual(() => 0.25);
    await scaleUpTo(api, ref, 2, low);
    expect(low.pauses).toEqual([2, 4, 8]);
  });

  it('gives up with the conflict once its time budget is spent, not after a fixed count', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 0);
    api.conflicts = Number.MAX_SAFE_INTEGER;
    const retry = { ...virtual(() => 0.999), budgetMs: 5_000 };
    const failure = scaleUpTo(api, ref, 3, retry);
    await expect(failure).rejects.toMatchObject({ status: 409, permanent: false });
    expect(retry.pauses.length).toBeGreaterThan(20);
    expect(retry.pauses.reduce((a, b) => a + b, 0)).toBeCloseTo(5_000, 0);
    expect(api.replicas(ref)).toBe(0);
  });

  it('throws a permanent failure at once, without retrying', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 0);
    api.failNext = { error: new KubeApiError(403, 'Forbidden', 'scale is forbidden'), times: 1 };
    const retry = virtual();
    await expect(scaleUpTo(api, ref, 3, retry)).rejects.toThrow('scale is forbidden');
    expect(retry.pauses).toEqual([]);
  });
});
