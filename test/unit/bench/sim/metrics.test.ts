import { describe, expect, it } from '@jest/globals';
import { idealSeconds, percentile } from '../../../../bench/sim/metrics.js';

describe('percentile', () => {
  const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);

  it.each([
    ['p95 of 1..20 interpolates between the 19th and 20th', oneToTwenty, 95, 19.05],
    ['p50 of an even count is the mean of the middle two', [4, 1, 3, 2], 50, 2.5],
    ['p0 is the minimum', [7, 3, 9], 0, 3],
    ['p100 is the maximum', [7, 3, 9], 100, 9],
    ['one value is every percentile', [42], 95, 42],
  ])('%s', (_name, values, p, expected) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 10);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('is NaN for no values and refuses a percentile outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow('percentile must be within 0..100, got 101');
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });
});

describe('idealSeconds', () => {
  const target = { startupSeconds: 30, secondsPerImage: 5, maxReplicas: 50, imagesPerReplica: 1 };

  it.each([
    [400, 70], // 30 + ceil(400 / 50) * 5
    [40, 35], // 30 + ceil(40 / 50) * 5
    [50, 35],
    [51, 40],
  ])('%i images -> %i s', (images, expected) => {
    expect(idealSeconds(target, images)).toBe(expected);
  });

  it('counts every slot of a replica', () => {
    // 400 images, 10 replicas of 4 slots: 30 + ceil(400 / 40) * 5 = 80 s.
    expect(idealSeconds({ ...target, maxReplicas: 10, imagesPerReplica: 4 }, 400)).toBe(80);
  });
});
