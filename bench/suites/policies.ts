/**
 * The policy comparison: every system prescaler grew from (bench/sim/policies), prescaler and
 * prescaler without pod ranking, with their documented defaults, in one simulated cluster.
 * - The headline: the seeds' own burst workload (30 s model load, 5 s an image, seed 1), every
 *   policy, with no announcement lead and with a 30 s lead; prescaler's targets (policy-targets.ts).
 * - The trickle and idle workloads, and the ratio to the best peer over seeds 1-10.
 * - The sweeps (sim/sweeps.ts): model load, burst size, time between bursts, announcement lead.
 * Prints the headline and sweep tables, writes SVG charts to bench/results/ (headline.svg,
 * <workload>.svg timelines, sweep-<name>.svg) and returns the figures.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderChart } from '../sim/chart.js';
import { compare, comparisonTable } from '../sim/compare.js';
import { summarize, type SimResult, type Summary } from '../sim/metrics.js';
import { CHARTED, PEERS, POLICIES } from '../sim/policies/index.js';
import { renderSummaryChart, renderSweepChart } from '../sim/sweep-chart.js';
import { bestPeer, runSweep, SWEEPS, sweepTables } from '../sim/sweeps.js';
import { benchRegistry, WORKLOAD_NAMES, WORKLOADS } from '../sim/workloads.js';
import type { Result, Suite } from '../suite.js';
import { burstTargets, SUITE, type Peer } from './policy-targets.js';

const SEED = 1;
const ROBUSTNESS_SEEDS = 10;
const LEAD_SECONDS = 30;

const resultsFile = (name: string) => fileURLToPath(new URL(`../results/${name}`, import.meta.url));
const print = (text: string) => process.stdout.write(`${text}\n`);

function summaries(results: readonly SimResult[]): Map<string, Summary> {
  return new Map(results.map((r) => [r.policy, summarize(r)]));
}

function peersOf(byName: ReadonlyMap<string, Summary>): Peer[] {
  return PEERS.map((p) => ({ name: p.name, summary: byName.get(p.name) as Summary }));
}

function perPolicy(workload: string, byName: ReadonlyMap<string, Summary>): Result[] {
  return [...byName].flatMap(([policy, s]) => {
    const metric = (name: string) => `${workload} ${policy} ${name}`;
    const rows: Result[] = [
      { suite: SUITE, metric: metric('p95 turnaround'), value: s.p95Seconds, unit: 's' },
      { suite: SUITE, metric: metric('p95 turnaround / ideal'), value: s.p95Ratio, unit: 'x' },
      { suite: SUITE, metric: metric('replica-seconds'), value: Math.round(s.replicaSeconds), unit: 'pod-s' },
      { suite: SUITE, metric: metric('images interrupted'), value: s.interrupted, unit: 'images' },
    ];
    if (s.unfinished > 0)
      rows.push({ suite: SUITE, metric: metric('unfinished batches'), value: s.unfinished, unit: 'batches' });
    return rows;
  });
}

function headline(): Result[] {
  const registry = benchRegistry();
  const burst = WORKLOADS.burst(SEED);
  const now = compare({ workload: burst, registry, seed: SEED, policies: POLICIES });
  const ahead = compare({
    workload: burst,
    registry,
    seed: SEED,
    policies: POLICIES,
    leadSeconds: LEAD_SECONDS,
  });
  const title = `${burst.description} (seed ${SEED})`;
  print(`headline: ${title}, announced as the images land\n\n${comparisonTable(now)}\n`);
  for (const result of now) print(`${result.policy}: ${result.label}`);
  print(`\nthe same, announced ${LEAD_SECONDS} s before the images land\n\n${comparisonTable(ahead)}\n`);
  const byName = summaries(now);
  const early = summaries(ahead);
  writeFileSync(resultsFile('headline.svg'), renderSummaryChart(`burst: ${title}`, byName));
  writeFileSync(
    resultsFile('burst.svg'),
    renderChart(
      `burst: ${title}`,
      now.filter((r) => CHARTED.includes(r.policy)),
    ),
  );
  return [
    ...burstTargets(byName.get('prescaler') as Summary, peersOf(byName), {
      ours: early.get('prescaler') as Summary,
      peers: peersOf(early),
      leadSeconds: LEAD_SECONDS,
    }),
    ...perPolicy('burst', byName),
    ...perPolicy(`burst lead ${LEAD_SECONDS} s`, early),
  ];
}

function otherWorkloads(): Result[] {
  const registry = benchRegistry();
  return WORKLOAD_NAMES.filter((name) => name !== 'burst').flatMap((name) => {
    const workload = WORKLOADS[name](SEED);
    const outcome = compare({ workload, registry, seed: SEED, policies: POLICIES });
    const title = `${workload.name}: ${workload.description} (seed ${SEED})`;
    writeFileSync(
      resultsFile(`${name}.svg`),
      renderChart(
        title,
        outcome.filter((r) => CHARTED.includes(r.policy)),
      ),
    );
    return perPolicy(name, summaries(outcome));
  });
}

function robustness(): Result[] {
  const registry = benchRegistry();
  const ratios: number[] = [];
  for (let seed = 1; seed <= ROBUSTNESS_SEEDS; seed++) {
    const byName = summaries(
      compare({ workload: WORKLOADS.burst(seed), registry, seed, policies: POLICIES }),
    );
    const ours = byName.get('prescaler') as Summary;
    ratios.push(ours.p95Seconds / bestPeer({ value: seed, summaries: byName }).summary.p95Seconds);
  }
  const metric = `burst seeds 1-${ROBUSTNESS_SEEDS}: prescaler p95 / best peer p95`;
  return [
    { suite: SUITE, metric: `${metric}, best seed`, value: Math.min(...ratios), unit: 'x' },
    { suite: SUITE, metric: `${metric}, worst seed`, value: Math.max(...ratios), unit: 'x' },
  ];
}

function sweeps(): Result[] {
  return SWEEPS.flatMap((spec) => {
    const sweep = runSweep(spec, POLICIES, SEED);
    print(`\nsweep ${spec.name}: the burst workload (seed ${SEED}) by ${spec.axis}\n\n${sweepTables(sweep)}`);
    const title = `burst workload by ${spec.axis} (seed ${SEED})`;
    writeFileSync(resultsFile(`sweep-${spec.name}.svg`), renderSweepChart(sweep, title));
    return sweep.points.map((point) => {
      const best = bestPeer(point);
      const ours = point.summaries.get('prescaler') as Summary;
      return {
        suite: SUITE,
        metric: `sweep ${spec.name} = ${point.value}: prescaler p95 / best peer p95 (${best.name})`,
        value: ours.p95Seconds / best.summary.p95Seconds,
        unit: 'x',
      };
    });
  });
}

export const policiesSuite: Suite = {
  name: SUITE,
  run() {
    const started = performance.now();
    const results = [...headline(), ...otherWorkloads(), ...robustness(), ...sweeps()];
    const wallMs = performance.now() - started;
    print('');
    results.push({
      suite: SUITE,
      metric: `simulations, ${POLICIES.length} policies: wall time`,
      value: Math.round(wallMs),
      unit: 'ms',
      target: '< 60000 ms',
      pass: wallMs < 60_000,
    });
    return Promise.resolve(results);
  },
};
