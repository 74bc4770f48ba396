/**
 * Sweeps: the burst workload with one condition varied at a time, every policy at each value,
 * to map where prescaler's lead is large and where it closes. Defaults of the reference burst:
 * 30 s model load, bursts of 40-400 images 90-360 s apart, announced as the images land.
 * - load:  model load time (startupSeconds) 5 to 300 s;
 * - size:  images per burst 25 to 800 (+-20 %), bursts 90-360 s apart;
 * - gap:   time between bursts 60 to 960 s (+-20 %), 40-400 images each;
 * - lead:  the announcement 0 to 120 s before the images land.
 * Each point reports p95 turnaround / ideal and replica-seconds per policy, and prescaler's p95
 * over the best peer's (the lowest p95 among the other systems).
 */
import type { Registry } from '../../shared/config/registry.js';
import { compare } from './compare.js';
import { summarize, type Summary } from './metrics.js';
import type { PolicyKind } from './policy.js';
import { formatTable } from './table.js';
import type { Workload } from './workload.js';
import { benchRegistry, burstsOf, burstWorkload } from './workloads.js';

export interface SweepSpec {
  readonly name: string;
  /** What varies, e.g. "model load (s)". */
  readonly axis: string;
  readonly values: readonly number[];
  /** The run at one value: its registry, workload and announcement lead. */
  setup(value: number, seed: number): { registry: Registry; workload: Workload; leadSeconds: number };
}

export interface SweepPoint {
  readonly value: number;
  /** Summary per policy name, in the policies' order. */
  readonly summaries: ReadonlyMap<string, Summary>;
}

export interface Sweep {
  readonly spec: SweepSpec;
  readonly points: readonly SweepPoint[];
}

type SweepSetup = ReturnType<SweepSpec['setup']>;

/** A sweep of the reference burst (registry defaults, no lead) with what `vary` sets changed. */
function sweep(
  name: string,
  axis: string,
  values: readonly number[],
  vary: (value: number, seed: number) => Partial<SweepSetup>,
): SweepSpec {
  return {
    name,
    axis,
    values,
    setup(value, seed) {
      const changed = vary(value, seed);
      return {
        registry: changed.registry ?? benchRegistry(),
        workload: changed.workload ?? burstWorkload(seed),
        leadSeconds: changed.leadSeconds ?? 0,
      };
    },
  };
}

export const SWEEPS: readonly SweepSpec[] = [
  sweep('load', 'model load (s)', [5, 15, 30, 60, 120, 300], (value) => ({
    registry: benchRegistry({ startupSeconds: value }),
  })),
  sweep('size', 'images per burst', [25, 50, 100, 200, 400, 800], (value, seed) => ({
    workload: burstsOf(seed, value, 225),
  })),
  sweep('gap', 'seconds between bursts', [60, 120, 240, 480, 960], (value, seed) => ({
    workload: burstsOf(seed, 220, value),
  })),
  sweep('lead', 'announcement lead (s)', [0, 15, 30, 60, 120], (value) => ({ leadSeconds: value })),
];

export function runSweep(spec: SweepSpec, policies: readonly PolicyKind[], seed: number): Sweep {
  const points = spec.values.map((value) => {
    const { registry, workload, leadSeconds } = spec.setup(value, seed);
    const results = compare({ workload, registry, seed, policies, leadSeconds });
    return { value, summaries: new Map(results.map((r) => [r.policy, summarize(r)])) };
  });
  return { spec, points };
}

/** The peer with the lowest p95 at a point (prescaler and its variants are not peers). */
export function bestPeer(point: SweepPoint): { name: string; summary: Summary } {
  let best: { name: string; summary: Summary } | undefined;
  for (const [name, summary] of point.summaries) {
    if (name.startsWith('prescaler')) continue;
    if (best === undefined || summary.p95Seconds < best.summary.p95Seconds) best = { name, summary };
  }
  if (best === undefined) throw new Error('a sweep needs at least one policy besides prescaler');
  return best;
}

/**
 * Two tables a sweep, a row per value and a column per policy: p95 turnaround / ideal (with the
 * best peer and prescaler's p95 over it), then replica-seconds in thousands.
 */
export function sweepTables(sweep: Sweep): string {
  const names = [...(sweep.points[0]?.summaries.keys() ?? [])];
  const cell = (point: SweepPoint, name: string, pick: (s: Summary) => number, digits: number) => {
    const summary = point.summaries.get(name);
    return summary === undefined ? '-' : pick(summary).toFixed(digits);
  };
  const ratios = sweep.points.map((point) => {
    const best = bestPeer(point);
    const ours = point.summaries.get('prescaler');
    return [
      String(point.value),
      ...names.map((n) => cell(point, n, (s) => s.p95Ratio, 2)),
      best.name,
      ours === undefined ? '-' : (ours.p95Seconds / best.summary.p95Seconds).toFixed(2),
    ];
  });
  const costs = sweep.points.map((point) => [
    String(point.value),
    ...names.map((n) => cell(point, n, (s) => s.replicaSeconds / 1000, 1)),
  ]);
  return [
    `p95 turnaround / ideal, by ${sweep.spec.axis}:`,
    formatTable([sweep.spec.axis, ...names, 'best peer', 'prescaler / best'], ratios),
    '',
    `replica-seconds (thousands), by ${sweep.spec.axis}:`,
    formatTable([sweep.spec.axis, ...names], costs),
  ].join('\n');
}
