/**
 * The simulated cluster's pods: model load, slots, first come first served, the cost of pods
 * still loading, and the same run for the same seed.
 */
import { describe, expect, it } from '@jest/globals';
import { fixed, registry, simulateBatches } from './support.js';

// The reference target: model load 30 s, 5 s an image.
describe('simulated pods', () => {
  it('load the model for startupSeconds, then take one image per slot every secondsPerImage', () => {
    // 2 pods created at 0 s are Ready at 30 s; 10 images in rounds of 2: 35, 40, 45, 50, 55 s.
    const result = simulateBatches(fixed(2), [{ batchId: 'b', atSeconds: 0, images: 10 }], {
      tailSeconds: 100,
    });
    expect(result.batches[0]?.turnaroundSeconds).toBe(55);
    const readyAt = result.series.find((p) => p.ready === 2)?.t;
    expect(readyAt).toBe(30);
    expect(result.series.find((p) => p.t === 30)?.queued).toBe(8); // two images taken at once
    expect(result.series.find((p) => p.t === 35)?.queued).toBe(6);
    // 2 pods for the whole run of 100 s (no workload span, a 100 s tail).
    expect(result.endSeconds).toBe(100);
    expect(result.replicaSeconds).toBe(200);
    expect(result.scaleWrites).toBe(1);
    expect(result.interrupted).toBe(0);
  });

  it('fill every slot of a replica', () => {
    // 1 pod of 4 slots: 10 images in rounds of 4, 4, 2 -> 30 + 3 * 5 = 45 s.
    const result = simulateBatches(fixed(1), [{ batchId: 'b', atSeconds: 0, images: 10 }], {
      registry: registry({ imagesPerReplica: 4 }),
    });
    expect(result.batches[0]?.turnaroundSeconds).toBe(45);
  });

  it('start work at once on pods that are already Ready', () => {
    // 2 warm pods, 10 images at 10 s: 5 rounds of 5 s -> done at 35 s, 25 s after arrival.
    const result = simulateBatches(fixed(2, 2), [{ batchId: 'b', atSeconds: 10, images: 10 }]);
    expect(result.batches[0]?.turnaroundSeconds).toBe(25);
    expect(result.scaleWrites).toBe(0);
  });

  it('serve batches first come, first served', () => {
    // One warm pod: batch a (2 images) at 0 s, batch b (1 image) at 1 s -> a done at 10 s, b at 15 s.
    const result = simulateBatches(fixed(1, 1), [
      { batchId: 'a', atSeconds: 0, images: 2 },
      { batchId: 'b', atSeconds: 1, images: 1 },
    ]);
    expect(result.batches.map((b) => [b.batchId, b.turnaroundSeconds])).toEqual([
      ['a', 10],
      ['b', 14],
    ]);
  });

  it('charge pods that are still loading their model', () => {
    // 5 pods from 0 s to the end at 20 s, none ever Ready: 100 pod-seconds.
    const result = simulateBatches(fixed(5), [{ batchId: 'b', atSeconds: 0, images: 1 }], {
      registry: registry({ startupSeconds: 600 }),
      tailSeconds: 20,
      overrunSeconds: 0,
    });
    expect(result.replicaSeconds).toBe(100);
    expect(result.batches[0]?.turnaroundSeconds).toBeUndefined();
  });

  it('are the same run for the same seed', () => {
    const run = () => simulateBatches(fixed(3), [{ batchId: 'b', atSeconds: 3, images: 7 }], { seed: 9 });
    expect(run()).toEqual(run());
  });
});
