/**
 * The prescaler policy in the simulator: scale-up on the announcement, the lead, and pods ranked
 * so that scale-in interrupts no image (unlike the unranked variant).
 */
import { describe, expect, it } from '@jest/globals';
import { prescaler, prescalerPolicy, prescalerUnranked } from '../../../../bench/sim/policies/prescaler.js';
import { simulate } from '../../../../bench/sim/simulate.js';
import { registry, simulateBatches, workload } from './support.js';

/*
 * Slow images (100 s each), scale-in without a window and with no step limit:
 *   batch a, 5 images at 0 s  -> pods 1-5, Ready at 30 s, busy until 130 s;
 *   batch b, 5 images at 60 s -> pods 6-10, Ready at 90 s, busy until 190 s.
 * At 130 s only b's 5 images are outstanding, so reconcile scales 10 -> 5. Without ranking the
 * ReplicaSet removes the pods that became Ready most recently: 6-10, which hold b's images.
 */
const slow = registry({
  secondsPerImage: 100,
  scaleIn: { stabilizationSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
});
const twoBatches = workload([
  { batchId: 'a', atSeconds: 0, images: 5 },
  { batchId: 'b', atSeconds: 60, images: 5 },
]);

describe('prescaler policy', () => {
  it('scales in without interrupting an image where the ReplicaSet alone would', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const ranked = simulate({ workload: twoBatches, policy: prescaler, registry: slow, seed });
      const unranked = simulate({ workload: twoBatches, policy: prescalerUnranked, registry: slow, seed });
      expect(unranked.interrupted).toBe(5);
      expect(ranked.interrupted).toBe(0);
      expect(ranked.annotationWrites).toBeGreaterThan(0);
      // b's images ran to the end on their own pods: 30 s load + 100 s from 60 s.
      expect(ranked.batches.map((b) => b.turnaroundSeconds)).toEqual([130, 130]);
      expect(unranked.batches[1]?.turnaroundSeconds).toBeGreaterThan(130);
    }
  });

  it('scales up on the announcement to the size of the outstanding work, capped at maxReplicas', () => {
    const result = simulateBatches(prescaler, [{ batchId: 'big', atSeconds: 10, images: 400 }]);
    const first = result.series.find((p) => p.replicas > 0);
    expect(first).toMatchObject({ t: 10, replicas: 50 });
    // Cold start at the ideal: 30 + ceil(400 / 50) * 5 = 70 s.
    expect(result.batches[0]?.turnaroundSeconds).toBe(70);
    expect(result.series.at(-1)?.replicas).toBe(0);
  });

  it('starts pods ahead of the images when the batch is announced early', () => {
    const result = simulateBatches(prescalerPolicy(), [{ batchId: 'big', atSeconds: 60, images: 400 }], {
      leadSeconds: 30,
    });
    // Pods are Ready when the images land: 8 rounds of 5 s.
    expect(result.batches[0]?.turnaroundSeconds).toBe(40);
  });
});
