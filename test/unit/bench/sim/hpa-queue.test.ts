import { describe, expect, it } from '@jest/globals';
import {
  adapterValue,
  hpaQueue,
  PROMETHEUS_SCRAPE_SECONDS,
  QUEUE_LATENCY_TARGET_US,
  valueReplicas,
} from '../../../../bench/sim/policies/hpa-queue.js';
import { mulberry32 } from '../../../../bench/sim/random.js';
import { registry, TARGET, viewAt } from './support.js';

describe('HPA on TorchServe queue latency', () => {
  it('uses the seed settings: 7000 µs, Prometheus every 60 s, HPA every 15 s, min 1', () => {
    const policy = hpaQueue.create(registry().get(TARGET)!, mulberry32(1));
    expect(QUEUE_LATENCY_TARGET_US).toBe(7000);
    expect(policy.loops.map((l) => [l.name, l.everySeconds])).toEqual([
      ['prometheus', PROMETHEUS_SCRAPE_SECONDS],
      ['hpa-sync', 15],
    ]);
    expect(PROMETHEUS_SCRAPE_SECONDS).toBe(60);
    expect(policy.initialReplicas).toBe(1);
  });

  it('the adapter answers the mean wait of the images dequeued between the last two scrapes', () => {
    const at = (started: number, waitedMs: number) => ({ atMs: 0, started, waitedMs });
    expect(adapterValue([at(10, 0)])).toBeUndefined();
    // 4 images dequeued, 80 s of waiting: 20 s each = 20,000,000 µs.
    expect(adapterValue([at(10, 0), at(14, 80_000)])).toBe(20_000_000);
    expect(adapterValue([at(14, 80_000), at(14, 80_000)])).toBe(0);
  });

  it('asks ceil(current * value / target) on a Value target, within a 10 % tolerance', () => {
    expect(valueReplicas(1, 20_000_000, 7000)).toBe(2858);
    expect(valueReplicas(4, 7500, 7000)).toBe(4);
    expect(valueReplicas(4, 14_000, 7000)).toBe(8);
    expect(valueReplicas(4, 0, 7000)).toBe(0);
  });

  it('does not act before a scrape has seen the queue and the HPA has synced after it', () => {
    const policy = hpaQueue.create(registry().get(TARGET)!, mulberry32(1));
    const [prometheus, sync] = policy.loops;
    // One Ready pod; 400 images land at 1 s. It dequeues one image every 5 s.
    const view = (s: number, started: number, waitedMs: number) =>
      viewAt(s, { ready: 1, busy: 1, queued: 400 - started, started, waitedMs });
    prometheus?.observe(view(0, 0, 0));
    expect(sync?.observe(view(15, 3, 15_000))).toBeUndefined(); // one scrape: no rate yet
    expect(sync?.observe(view(45, 9, 180_000))).toBeUndefined();
    expect(sync?.observe(view(59, 12, 330_000))).toBeUndefined();
    // The scrape at 60 s: 12 images waited 5, 10, ... 55 s after landing = 330 s in all.
    prometheus?.observe(view(60, 12, 330_000));
    // 27.5 s mean = 27,500,000 µs -> far above 7000: 1 -> 5 (the +4 pods step).
    expect(sync?.observe(view(60, 12, 330_000))?.replicas).toBe(5);
  });
});
