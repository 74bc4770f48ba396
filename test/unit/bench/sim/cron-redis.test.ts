import { describe, expect, it } from '@jest/globals';
import { cronRedis, cronRedisPolicy, scalingNumber } from '../../../../bench/sim/policies/cron-redis.js';
import { simulate } from '../../../../bench/sim/simulate.js';
import { loopOf, registry, TARGET, viewAt, workload } from './support.js';

const target = registry().get(TARGET)!;

describe('Redis-number cron autoscaler', () => {
  it('keeps a number linear in the images not yet analysed: 400 -> 50 (max), 12 -> 12, 0 -> 0', () => {
    expect(scalingNumber(target, 400)).toBe(50);
    expect(scalingNumber(target, 12)).toBe(12);
    expect(scalingNumber(target, 0)).toBe(0);
    expect(scalingNumber({ ...target, imagesPerReplica: 4 }, 10)).toBe(3);
  });

  it('polls every 30 s and runs kubectl scale to the number, in both directions', () => {
    const cron = loopOf(cronRedis, 'cron');
    expect(cron.everySeconds).toBe(30);
    expect(cron.observe(viewAt(30, { outstanding: 400 }))?.replicas).toBe(50);
    expect(cron.observe(viewAt(60, { ready: 50, outstanding: 12 }))?.replicas).toBe(12);
    expect(cron.observe(viewAt(90, { ready: 12, outstanding: 12 }))).toBeUndefined();
  });

  it('retries a failed kubectl scale after 5 s, then 10 s more, and the cron waits meanwhile', () => {
    // Draws: the loop's offset, then one per attempt: below 0.5 fails.
    const draws = [0, 0.1, 0.2, 0.9];
    const kind = cronRedisPolicy({ failureRate: 0.5 });
    const policy = kind.create(target, () => draws.shift() ?? 0.9);
    const [cron, retry] = policy.loops;
    const view = (s: number) => viewAt(s, { outstanding: 400 });
    expect(cron?.observe(view(0))).toBeUndefined(); // fails: retry at 5 s
    expect(retry?.observe(view(4))).toBeUndefined();
    expect(retry?.observe(view(5))).toBeUndefined(); // fails again: retry at 5 + 10 = 15 s
    expect(cron?.observe(view(10))).toBeUndefined(); // the script is still retrying
    expect(retry?.observe(view(14))).toBeUndefined();
    expect(retry?.observe(view(15))?.replicas).toBe(50);
  });

  it('gives up after the retry after 40 s and tries again at the next poll', () => {
    const kind = cronRedisPolicy({ failureRate: 1 });
    const policy = kind.create(target, () => 0);
    const [cron, retry] = policy.loops;
    const view = (s: number) => viewAt(s, { outstanding: 400 });
    cron?.observe(view(0));
    for (const at of [5, 15, 35]) expect(retry?.observe(view(at))).toBeUndefined();
    expect(retry?.observe(view(75))).toBeUndefined(); // the last retry: 5 + 10 + 20 + 40 s
    expect(retry?.observe(view(200))).toBeUndefined(); // nothing pending any more
  });

  it('cannot choose which pods go: a scale-in removes busy pods and their images are redone', () => {
    // Images of 100 s: a at 0 s on pods 1-5, b at 60 s on pods 6-10 (Ready at 90 s). At 130 s
    // only b's 5 are outstanding; the number is 5 and the ReplicaSet removes the youngest pods,
    // the ones holding b's images.
    const slow = registry({ secondsPerImage: 100 });
    const run = simulate({
      workload: workload([
        { batchId: 'a', atSeconds: 0, images: 5 },
        { batchId: 'b', atSeconds: 60, images: 5 },
      ]),
      policy: cronRedisPolicy({ pollSeconds: 10 }),
      registry: slow,
      seed: 1,
    });
    expect(run.interrupted).toBe(5);
    expect(run.batches[1]?.turnaroundSeconds).toBeGreaterThan(130);
  });
});
