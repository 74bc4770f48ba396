import { describe, expect, it } from '@jest/globals';
import { prescaler } from '../../../../bench/sim/policies/prescaler.js';
import { renderSweepChart } from '../../../../bench/sim/sweep-chart.js';
import { bestPeer, runSweep, SWEEPS, sweepTables, type SweepSpec } from '../../../../bench/sim/sweeps.js';
import { burstsOf } from '../../../../bench/sim/workloads.js';
import { fixed, registry, workload } from './support.js';

// One batch of 100 images at 10 s; the model load varies. A policy fixed at 50 replicas starts
// them all at once: 30 s load + 2 rounds of 5 s = 40 s, the ideal.
const spec: SweepSpec = {
  name: 'load',
  axis: 'model load (s)',
  values: [10, 30],
  setup: (value) => ({
    registry: registry({ startupSeconds: value }),
    workload: workload([{ batchId: 'b', atSeconds: 10, images: 100 }], 60),
    leadSeconds: 0,
  }),
};

describe('sweeps', () => {
  it('runs every policy at every value and finds the best peer, prescaler aside', () => {
    const fifty = { ...fixed(50), name: 'fifty' };
    const five = { ...fixed(5), name: 'five' };
    const sweep = runSweep(spec, [five, fifty, prescaler], 1);
    const [fast, slow] = sweep.points;
    expect(fast?.summaries.get('fifty')?.p95Seconds).toBe(10 + 2 * 5);
    expect(slow?.summaries.get('fifty')?.p95Seconds).toBe(30 + 2 * 5);
    expect(slow?.summaries.get('five')?.p95Seconds).toBe(30 + 20 * 5);
    expect(bestPeer(slow!).name).toBe('fifty');
    expect(slow?.summaries.get('prescaler')?.p95Ratio).toBe(1);
    const tables = sweepTables(sweep);
    expect(tables).toContain('p95 turnaround / ideal, by model load (s):');
    expect(tables).toContain('replica-seconds (thousands), by model load (s):');
    expect(tables.split('\n').filter((line) => /^\s+(10|30)\s/.test(line))).toHaveLength(4);
    expect(renderSweepChart(sweep, 'test')).toContain('<polyline');
  });

  it('sweeps the conditions that decide the winner over their documented ranges', () => {
    expect(SWEEPS.map((s) => [s.name, s.values[0], s.values.at(-1)])).toEqual([
      ['load', 5, 300],
      ['size', 25, 800],
      ['gap', 60, 960],
      ['lead', 0, 120],
    ]);
    expect(SWEEPS[3]?.setup(120, 1).leadSeconds).toBe(120);
    expect(SWEEPS[0]?.setup(300, 1).registry.get('acme/resnet101/v1')?.startupSeconds).toBe(300);
  });

  it('draws bursts within 20 % of the size and spacing asked for', () => {
    const bursts = burstsOf(3, 100, 240).batches;
    expect(bursts.every((b) => b.images >= 80 && b.images <= 120)).toBe(true);
    const gaps = bursts.slice(1).map((b, i) => b.atSeconds - (bursts[i]?.atSeconds ?? 0));
    expect(gaps.every((g) => g >= 192 - 0.01 && g <= 288 + 0.01)).toBe(true);
  });
});
