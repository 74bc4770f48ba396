import { describe, expect, it } from '@jest/globals';
import {
  averageValueReplicas,
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  defaultHpa,
  resourceReplicas,
  scaleUpLimit,
} from '../../../../bench/sim/policies/hpa.js';

const T0 = 1_000_000;
const busy = (n: number) => Array.from({ length: n }, () => ({ reporting: true, utilization: 1 }));
const idle = (n: number) => Array.from({ length: n }, () => ({ reporting: true, utilization: 0 }));
const starting = (n: number) => Array.from({ length: n }, () => ({ reporting: false, utilization: 0 }));

describe('HPA step limits (max of +100 % and +4 pods per 15 s)', () => {
  it.each([
    [1, 5], // +4 beats +100 %
    [4, 8], // both give 8
    [5, 10], // +100 % beats +4
    [20, 40],
  ])('from %i with nothing added in the period: up to %i', (current, limit) => {
    expect(scaleUpLimit(DEFAULT_SCALE_UP, current, [], T0)).toBe(limit);
  });

  it('counts replicas added earlier in the same 15 s period', () => {
    // 1 -> 5 at T0; 10 s later the period still starts at 1, so 5 is the limit.
    const events = [{ atMs: T0, from: 1, to: 5 }];
    expect(scaleUpLimit(DEFAULT_SCALE_UP, 5, events, T0 + 10_000)).toBe(5);
    expect(scaleUpLimit(DEFAULT_SCALE_UP, 5, events, T0 + 15_000)).toBe(10);
  });

  it('climbs 1 -> 5 -> 10 -> 20 -> 40 -> 50 in five syncs when 80 are wanted, max 50', () => {
    const hpa = defaultHpa({ minReplicas: 1, maxReplicas: 50 });
    const seen: number[] = [];
    let current = 1;
    for (let sync = 0; sync < 6; sync++) {
      current = hpa.next(current, 80, T0 + sync * 15_000);
      seen.push(current);
    }
    expect(seen).toEqual([5, 10, 20, 40, 50, 50]);
  });

  it('does not step twice within one period', () => {
    const hpa = defaultHpa({ minReplicas: 1, maxReplicas: 50 });
    expect(hpa.next(1, 80, T0)).toBe(5);
    expect(hpa.next(5, 80, T0 + 5_000)).toBe(5);
    expect(hpa.next(5, 80, T0 + 15_000)).toBe(10);
  });
});

describe('HPA scale-down stabilization (300 s)', () => {
  it('keeps the highest proposal of the last 300 s, then drops at once (100 % per 15 s)', () => {
    const hpa = defaultHpa({ minReplicas: 1, maxReplicas: 50 });
    expect(hpa.next(50, 50, T0)).toBe(50);
    expect(hpa.next(50, 2, T0 + 15_000)).toBe(50);
    expect(hpa.next(50, 2, T0 + 299_000)).toBe(50);
    // At T0 + 300 s the proposal of 50 is exactly 300 s old and leaves the window.
    expect(hpa.next(50, 2, T0 + 300_000)).toBe(2);
  });

  it('scales down to the window maximum, not below it', () => {
    const hpa = defaultHpa({ minReplicas: 1, maxReplicas: 50 });
    hpa.next(50, 50, T0);
    hpa.next(50, 30, T0 + 200_000);
    expect(hpa.next(50, 1, T0 + 310_000)).toBe(30);
  });

  it('never goes below minReplicas 1', () => {
    const hpa = defaultHpa({ minReplicas: 0, maxReplicas: 50 });
    expect(hpa.next(3, 0, T0)).toBe(1);
  });

  it('uses the defaults of Kubernetes', () => {
    expect(DEFAULT_SCALE_DOWN.stabilizationWindowSeconds).toBe(300);
    expect(DEFAULT_SCALE_UP.stabilizationWindowSeconds).toBe(0);
  });
});

describe('HPA proposals', () => {
  it('asks ceil(ratio * pods) for CPU: 4 busy pods at a 60 % target -> 7', () => {
    expect(resourceReplicas(4, busy(4), 0.6)).toBe(7);
  });

  it('holds while new pods start: 4 busy + 4 starting count as 50 %, below target', () => {
    expect(resourceReplicas(8, [...busy(4), ...starting(4)], 0.6)).toBe(8);
  });

  it('changes nothing within the 10 % tolerance', () => {
    // 3 of 5 busy = 60 % exactly; 2 of 3 busy = 66.7 % -> ratio 1.11, just outside.
    expect(resourceReplicas(5, [...busy(3), ...idle(2)], 0.6)).toBe(5);
    expect(resourceReplicas(3, [...busy(2), ...idle(1)], 0.6)).toBe(4);
  });

  it('has no proposal before any pod reports', () => {
    expect(resourceReplicas(3, starting(3), 0.6)).toBeUndefined();
  });

  it('divides an external metric by the average value: 400 queued at 5 -> 80', () => {
    expect(averageValueReplicas(1, 400, 5)).toBe(80);
    expect(averageValueReplicas(10, 52, 5)).toBe(10); // 1.04 is within tolerance
    expect(averageValueReplicas(10, 0, 5)).toBe(0);
  });
});
