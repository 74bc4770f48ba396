/**
 * Runs one workload under every policy and lays the outcome out as a table (one row a policy),
 * for the `sim` command and the benchmark suite.
 */
import type { Registry } from '../../shared/config/registry.js';
import { summarize, type SimResult } from './metrics.js';
import type { PolicyKind } from './policy.js';
import { simulate } from './simulate.js';
import { formatTable } from './table.js';
import type { Workload } from './workload.js';

export interface CompareOptions {
  readonly workload: Workload;
  readonly registry: Registry;
  readonly seed: number;
  readonly policies: readonly PolicyKind[];
  readonly leadSeconds?: number;
}

export function compare(options: CompareOptions): SimResult[] {
  return options.policies.map((policy) =>
    simulate({
      workload: options.workload,
      policy,
      registry: options.registry,
      seed: options.seed,
      leadSeconds: options.leadSeconds ?? 0,
    }),
  );
}

const fixed = (value: number, digits: number) => (Number.isNaN(value) ? '-' : value.toFixed(digits));

export function comparisonTable(results: readonly SimResult[]): string {
  const header = [
    'policy',
    'batches',
    'p50 s',
    'p95 s',
    'max s',
    'p50 x ideal',
    'p95 x ideal',
    'max x ideal',
    'replica-s',
    'interrupted',
    'scale writes',
    'cost writes',
    'peak pods',
  ];
  const rows = results.map((result) => {
    const s = summarize(result);
    return [
      result.policy,
      s.unfinished > 0 ? `${s.batches - s.unfinished}/${s.batches}` : String(s.batches),
      fixed(s.p50Seconds, 1),
      fixed(s.p95Seconds, 1),
      fixed(s.maxSeconds, 1),
      fixed(s.p50Ratio, 2),
      fixed(s.p95Ratio, 2),
      fixed(s.maxRatio, 2),
      String(Math.round(s.replicaSeconds)),
      String(s.interrupted),
      String(s.scaleWrites),
      String(s.annotationWrites),
      String(s.peakPods),
    ];
  });
  return formatTable(header, rows);
}
