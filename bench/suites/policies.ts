/**
 * The policy comparison: the simulator runs the built-in workloads under HPA on CPU, KEDA's
 * Redis list scaler, prescaler and prescaler without pod ranking, and checks prescaler on the
 * burst workload (seed 1, no announcement lead) against its targets:
 *   p95 turnaround <= 1.15x the ideal; <= 0.5x the better baseline's p95; replica-seconds no more
 *   than KEDA's; 0 images interrupted.
 * Also: the same ratio over seeds 1-10, the burst workload announced 30 s ahead, and how long a
 * simulation takes. Writes a chart per workload to bench/results/<workload>.svg.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderChart } from '../sim/chart.js';
import { compare } from '../sim/compare.js';
import { summarize, type SimResult, type Summary } from '../sim/metrics.js';
import { CHARTED, POLICIES } from '../sim/policies/index.js';
import { prescaler } from '../sim/policies/prescaler.js';
import { benchRegistry, WORKLOAD_NAMES, WORKLOADS } from '../sim/workloads.js';
import type { Result, Suite } from '../suite.js';

const SUITE = 'policies';
const SEED = 1;
const ROBUSTNESS_SEEDS = 10;
const LEAD_SECONDS = 30;

function byPolicy(results: readonly SimResult[]): Map<string, Summary> {
  return new Map(results.map((r) => [r.policy, summarize(r)]));
}

function perPolicy(workload: string, results: readonly SimResult[]): Result[] {
  return results.flatMap((r) => {
    const s = summarize(r);
    const metric = (name: string) => `${workload} ${r.policy} ${name}`;
    const rows: Result[] = [
      { suite: SUITE, metric: metric('p50 turnaround'), value: s.p50Seconds, unit: 's' },
      { suite: SUITE, metric: metric('p95 turnaround'), value: s.p95Seconds, unit: 's' },
      { suite: SUITE, metric: metric('max turnaround'), value: s.maxSeconds, unit: 's' },
      { suite: SUITE, metric: metric('p95 turnaround / ideal'), value: s.p95Ratio, unit: 'x' },
      { suite: SUITE, metric: metric('replica-seconds'), value: Math.round(s.replicaSeconds), unit: 'pod-s' },
      { suite: SUITE, metric: metric('images interrupted'), value: s.interrupted, unit: 'images' },
      { suite: SUITE, metric: metric('scale writes'), value: s.scaleWrites, unit: 'writes' },
    ];
    if (s.annotationWrites > 0) {
      rows.push({
        suite: SUITE,
        metric: metric('cost annotation writes'),
        value: s.annotationWrites,
        unit: 'writes',
      });
    }
    if (s.unfinished > 0)
      rows.push({ suite: SUITE, metric: metric('unfinished batches'), value: s.unfinished, unit: 'batches' });
    return rows;
  });
}

/** prescaler's p95 over the better (lower) p95 of HPA and KEDA. */
function versusBest(summaries: Map<string, Summary>, ours: Summary): number {
  const best = Math.min(
    summaries.get('hpa-cpu')?.p95Seconds ?? NaN,
    summaries.get('keda-redis')?.p95Seconds ?? NaN,
  );
  return ours.p95Seconds / best;
}

function burstTargets(results: readonly SimResult[]): Result[] {
  const summaries = byPolicy(results);
  const ours = summaries.get('prescaler') as Summary;
  const keda = summaries.get('keda-redis') as Summary;
  const vsBest = versusBest(summaries, ours);
  const vsKeda = ours.replicaSeconds / keda.replicaSeconds;
  return [
    {
      suite: SUITE,
      metric: 'burst: prescaler p95 turnaround / ideal',
      value: ours.p95Ratio,
      unit: 'x',
      target: '<= 1.15x',
      pass: ours.p95Ratio <= 1.15,
    },
    {
      suite: SUITE,
      metric: 'burst: prescaler p95 / better of HPA and KEDA p95',
      value: vsBest,
      unit: 'x',
      target: '<= 0.5x',
      pass: vsBest <= 0.5,
    },
    {
      suite: SUITE,
      metric: 'burst: prescaler replica-seconds / KEDA',
      value: vsKeda,
      unit: 'x',
      target: '<= 1x',
      pass: vsKeda <= 1,
    },
    {
      suite: SUITE,
      metric: 'burst: prescaler images interrupted',
      value: ours.interrupted,
      unit: 'images',
      target: '= 0',
      pass: ours.interrupted === 0,
    },
  ];
}

export const policiesSuite: Suite = {
  name: SUITE,
  run() {
    const registry = benchRegistry();
    const results: Result[] = [];
    const targets: Result[] = [];
    for (const name of WORKLOAD_NAMES) {
      const workload = WORKLOADS[name](SEED);
      const started = performance.now();
      const outcome = compare({ workload, registry, seed: SEED, policies: POLICIES });
      const wallMs = performance.now() - started;
      results.push(...perPolicy(name, outcome));
      results.push({
        suite: SUITE,
        metric: `${name}: simulation wall time, ${POLICIES.length} policies`,
        value: Math.round(wallMs),
        unit: 'ms',
        target: '< 10000 ms',
        pass: wallMs < 10_000,
      });
      if (name === 'burst') targets.push(...burstTargets(outcome));
      const title = `${workload.name}: ${workload.description} (seed ${SEED})`;
      const chart = renderChart(
        title,
        outcome.filter((r) => CHARTED.includes(r.policy)),
      );
      writeFileSync(fileURLToPath(new URL(`../results/${name}.svg`, import.meta.url)), chart);
    }

    const ratios: number[] = [];
    for (let seed = 1; seed <= ROBUSTNESS_SEEDS; seed++) {
      const workload = WORKLOADS.burst(seed);
      const summaries = byPolicy(
        compare({ workload, registry, seed, policies: POLICIES.filter((p) => CHARTED.includes(p.name)) }),
      );
      ratios.push(versusBest(summaries, summaries.get('prescaler') as Summary));
    }
    const seeds = `burst seeds 1-${ROBUSTNESS_SEEDS}: prescaler p95 / better baseline p95`;
    results.push(
      { suite: SUITE, metric: `${seeds}, best seed`, value: Math.min(...ratios), unit: 'x' },
      { suite: SUITE, metric: `${seeds}, worst seed`, value: Math.max(...ratios), unit: 'x' },
    );

    const burst = WORKLOADS.burst(SEED);
    const [ahead] = compare({
      workload: burst,
      registry,
      seed: SEED,
      policies: [prescaler],
      leadSeconds: LEAD_SECONDS,
    });
    const baselines = byPolicy(
      compare({
        workload: burst,
        registry,
        seed: SEED,
        policies: POLICIES.filter((p) => p.name !== prescaler.name),
      }),
    );
    const early = summarize(ahead as SimResult);
    results.push(
      {
        suite: SUITE,
        metric: `burst announced ${LEAD_SECONDS} s ahead: prescaler p95 turnaround`,
        value: early.p95Seconds,
        unit: 's',
      },
      {
        suite: SUITE,
        metric: `burst announced ${LEAD_SECONDS} s ahead: prescaler p95 / better baseline p95`,
        value: versusBest(baselines, early),
        unit: 'x',
      },
      {
        suite: SUITE,
        metric: `burst announced ${LEAD_SECONDS} s ahead: prescaler replica-seconds`,
        value: Math.round(early.replicaSeconds),
        unit: 'pod-s',
      },
    );
    return Promise.resolve([...targets, ...results]);
  },
};
