import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { sizeFor, type SizingTarget, type WorkSummary } from '../../../shared/sizing.js';

const base: SizingTarget = { imagesPerReplica: 4, minReplicas: 0, maxReplicas: 50 };
const work = (outstanding: number, deadlines: WorkSummary['deadlines'] = []): WorkSummary => ({
  outstanding,
  openBatches: 1,
  deadlines,
});
const NOW = 1_000_000;

describe('sizeFor', () => {
  it.each([
    // [case, target, outstanding, expected replicas]
    ['no work, min 0', base, 0, 0],
    ['no work, min 2', { ...base, minReplicas: 2 }, 0, 2],
    ['1 image needs a whole replica', base, 1, 1],
    ['exact multiple: 40 images / 4', base, 40, 10],
    ['rounds up: 41 images / 4', base, 41, 11],
    ['400 images / 4 = 100, capped at 50', base, 400, 50],
    ['one image per replica (TF Serving seed)', { ...base, imagesPerReplica: 1 }, 7, 7],
  ])('%s', (_case, target, outstanding, expected) => {
    expect(sizeFor(target, work(outstanding), NOW).replicas).toBe(expected);
  });

  it('explains a cap in its reason', () => {
    const sizing = sizeFor(base, work(400), NOW);
    expect(sizing.needed).toBe(100);
    expect(sizing.reason).toBe('400 images outstanding at 4 per replica; capped at maxReplicas 50');
  });

  describe('deadlines', () => {
    const timed: SizingTarget = { ...base, maxReplicas: 200, startupSeconds: 30, secondsPerImage: 5 };

    it('400 images due in 130 s: 20 rounds of 4 per replica -> 5 replicas, not 100', () => {
      const sizing = sizeFor(timed, work(400, [{ outstanding: 400, deadlineMs: NOW + 130_000 }]), NOW);
      expect(sizing.replicas).toBe(5);
      expect(sizing.reason).toContain('deadlines need 5, not 100');
    });

    it('an unreachable deadline means as fast as possible', () => {
      const sizing = sizeFor(timed, work(400, [{ outstanding: 400, deadlineMs: NOW + 20_000 }]), NOW);
      expect(sizing.replicas).toBe(100);
    });

    it('adds work without a deadline at one slot per image', () => {
      // 40 images without deadline -> 10 replicas; 400 due in 130 s -> 5 more.
      const sizing = sizeFor(timed, work(440, [{ outstanding: 400, deadlineMs: NOW + 130_000 }]), NOW);
      expect(sizing.replicas).toBe(15);
    });

    it('ignores deadlines when the target has no timings', () => {
      expect(sizeFor(base, work(40, [{ outstanding: 40, deadlineMs: NOW + 3_600_000 }]), NOW).replicas).toBe(
        10,
      );
    });
  });

  it('never leaves [minReplicas, maxReplicas], whatever the work (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(
          fc.record({
            outstanding: fc.integer({ min: 0, max: 100_000 }),
            inMs: fc.integer({ min: -1e6, max: 1e8 }),
          }),
        ),
        fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
        fc.option(fc.double({ min: 0.001, max: 600, noNaN: true }), { nil: undefined }),
        (imagesPerReplica, minReplicas, extra, outstanding, deadlines, startupSeconds, secondsPerImage) => {
          const target = {
            imagesPerReplica,
            minReplicas,
            maxReplicas: minReplicas + extra || 1,
            startupSeconds,
            secondsPerImage,
          };
          const { replicas } = sizeFor(
            target,
            work(
              outstanding,
              deadlines.map((d) => ({ outstanding: d.outstanding, deadlineMs: NOW + d.inMs })),
            ),
            NOW,
          );
          expect(Number.isInteger(replicas)).toBe(true);
          expect(replicas).toBeGreaterThanOrEqual(Math.min(target.minReplicas, target.maxReplicas));
          expect(replicas).toBeLessThanOrEqual(target.maxReplicas);
        },
      ),
    );
  });
});
