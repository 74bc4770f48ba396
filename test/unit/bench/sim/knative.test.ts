/**
 * The Knative KPA policy: its defaults, the panic and stable windows, scale from and to zero,
 * and a burst run through the simulator.
 */
import { describe, expect, it } from '@jest/globals';
import { knative, Kpa, KPA } from '../../../../bench/sim/policies/knative.js';
import { simulateBatches } from './support.js';

const S = 1000;
/** Target 70 % of one image per pod; at most 50 pods. */
const kpa = () => new Kpa(0.7, 50);

function feed(k: Kpa, from: number, to: number, concurrency: number): void {
  for (let t = from; t <= to; t++) k.record(t * S, concurrency);
}

describe('Knative KPA', () => {
  it('has Knative defaults: 60 s stable, 6 s panic, 2x threshold, 30 s grace', () => {
    expect(KPA).toMatchObject({
      stableWindowSeconds: 60,
      panicWindowSeconds: 6,
      panicThreshold: 2,
      scaleToZeroGraceSeconds: 30,
      targetUtilization: 0.7,
    });
  });

  it.each([
    ['enters panic at 2x the Ready pods: 7 requests on 5 pods -> ceil(7 / 0.7) = 10', 7, 10, true],
    ['stays calm below 2x: 6 requests on 5 pods -> 9 = 1.8x, the stable count', 6, 9, false],
  ])('%s', (_, requests, pods, panicking) => {
    const k = kpa();
    feed(k, 1, 6, requests);
    expect(k.decide(6 * S, 5, 5)).toBe(pods);
    expect(k.panicking).toBe(panicking);
  });

  it('holds its panic count until a stable window passes without panic, then leaves it', () => {
    const k = kpa();
    feed(k, 1, 6, 7);
    expect(k.decide(6 * S, 5, 5)).toBe(10);
    feed(k, 7, 64, 1);
    // Not over the threshold since 6 s (1 request: ceil(1 / 0.7) = 2 pods), but still in panic.
    for (let t = 8; t <= 64; t += 2) {
      expect(k.decide(t * S, 5, 10)).toBe(10);
      expect(k.panicking).toBe(true);
    }
    feed(k, 65, 66, 1);
    // 60 s after the last panic tick: back to the stable count, mean of the last 60 s.
    // Samples 7..66 are all 1 -> ceil(1 / 0.7) = 2, at least floor(5 / 2) = 2.
    expect(k.decide(66 * S, 5, 10)).toBe(2);
    expect(k.panicking).toBe(false);
  });

  it('from zero asks for every pod the requests need at once: 400 -> 572, capped at 50', () => {
    const k = kpa();
    feed(k, 1, 2, 400);
    expect(k.decide(2 * S, 0, 0)).toBe(50);
  });

  it('removes the last pod only after the 30 s grace period', () => {
    const k = kpa();
    feed(k, 0, 61, 0);
    expect(k.decide(61 * S, 1, 1)).toBe(1); // wants 0: grace starts
    expect(k.decide(89 * S, 1, 1)).toBe(1);
    expect(k.decide(91 * S, 1, 1)).toBe(0);
  });

  it('runs a burst from zero with no image interrupted', () => {
    const run = simulateBatches(knative, [{ batchId: 'burst', atSeconds: 10, images: 400 }]);
    expect(run.peakPods).toBe(50);
    expect(run.interrupted).toBe(0);
    // 30 s load + 8 rounds of 5 s, plus at most a 2 s tick and a 1 s sample.
    expect(run.batches[0]?.turnaroundSeconds).toBeLessThanOrEqual(73);
  });
});
