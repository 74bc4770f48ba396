/**
 * `npm run sim -- --workload burst|trickle|idle|trace [--trace FILE] [--seed N] [--lead S]
 *  [--registry FILE] [--chart FILE.svg]`: runs one workload under every policy and prints the
 * comparison table; `--trace FILE` alone replays a trace or an arrival log. The chart (p95 /
 * ideal and replica-seconds per policy, then pods over time) goes to --chart, for a trace by
 * default bench/results/trace-<file>.svg. The only module of the simulator that touches process
 * and files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseRegistryJson } from '../../shared/config/registry.js';
import { renderChart } from './chart.js';
import { compare, comparisonTable } from './compare.js';
import { summarize } from './metrics.js';
import { CHARTED, POLICIES } from './policies/index.js';
import { renderSummaryChart } from './sweep-chart.js';
import { loadTrace } from './trace.js';
import type { Workload } from './workload.js';
import { benchRegistry, isWorkloadName, WORKLOAD_NAMES, WORKLOADS } from './workloads.js';

const USAGE = `usage: npm run sim -- --workload ${[...WORKLOAD_NAMES, 'trace'].join('|')} [--trace FILE] [--seed N] [--lead SECONDS] [--registry FILE] [--chart FILE.svg]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function number(name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (integer && !Number.isSafeInteger(value))
  ) {
    fail(`--${name} must be ${integer ? 'a whole number' : 'a number'}, 0 or more, got "${raw}"`);
  }
  return value;
}

function main(argv: string[]): void {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        workload: { type: 'string' },
        trace: { type: 'string' },
        seed: { type: 'string' },
        lead: { type: 'string' },
        registry: { type: 'string' },
        chart: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const seed = number('seed', values.seed, 1, true);
  const leadSeconds = number('lead', values.lead, 0, false);
  const registry = values.registry
    ? parseRegistryJson(readFileSync(values.registry, 'utf8'), values.registry)
    : benchRegistry();

  let workload: Workload;
  values.workload ??= values.trace === undefined ? 'burst' : 'trace';
  if (values.workload === 'trace') {
    if (values.trace === undefined) fail('--workload trace needs --trace FILE');
    workload = loadTrace(values.trace, { knownTargets: registry.names });
  } else if (isWorkloadName(values.workload)) {
    if (values.trace !== undefined) fail('--trace goes with --workload trace');
    const target = registry.names[0] as string;
    workload = WORKLOADS[values.workload](seed, target);
  } else {
    fail(`--workload must be one of ${[...WORKLOAD_NAMES, 'trace'].join(', ')}, got "${values.workload}"`);
  }

  const results = compare({ workload, registry, seed, policies: POLICIES, leadSeconds });
  const images = workload.batches.reduce((sum, b) => sum + b.images, 0);
  process.stdout.write(
    `workload ${workload.name}: ${workload.description}; ${workload.batches.length} batches, ${images} images; seed ${seed}, lead ${leadSeconds} s\n\n`,
  );
  process.stdout.write(`${comparisonTable(results)}\n\n`);
  for (const result of results) process.stdout.write(`${result.policy}: ${result.label}\n`);
  const chart =
    values.chart ??
    (values.trace === undefined
      ? undefined
      : fileURLToPath(
          new URL(`../results/trace-${basename(values.trace, extname(values.trace))}.svg`, import.meta.url),
        ));
  if (chart !== undefined) {
    const title = `${workload.name}: ${workload.description} (seed ${seed}, lead ${leadSeconds} s)`;
    const summaries = renderSummaryChart(title, new Map(results.map((r) => [r.policy, summarize(r)])));
    const timeline = renderChart(
      title,
      results.filter((r) => CHARTED.includes(r.policy)),
    );
    writeFileSync(chart, summaries);
    writeFileSync(chart.replace(/(\.svg)?$/, '-timeline.svg'), timeline);
    process.stdout.write(`\nchart: ${relative(process.cwd(), chart)} (and -timeline.svg: pods over time)\n`);
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
