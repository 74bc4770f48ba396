/**
 * fast-check settings of the fuzz suites: a fixed seed and a bounded number of runs in `npm test`;
 * FUZZ_RUNS=N runs N cases per property (and FUZZ_SEED=S another seed) for a longer search. Also
 * the reason codes the README's fault table documents, which every fuzzed fault must carry.
 */
import { readFileSync } from 'node:fs';
export function fuzzParameters(defaultRuns = 200): { seed: number; numRuns: number } {
  const runs = Number(process.env.FUZZ_RUNS);
  const seed = Number(process.env.FUZZ_SEED);
  return {
    seed: Number.isInteger(seed) ? seed : 20261129,
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns,
  };
}

/** The codes in backquotes of the "reason code" column of README's fault table. */
export function documentedFaultCodes(readme = 'README.md'): Set<string> {
  const text = readFileSync(readme, 'utf8');
  const table = text.slice(text.indexOf('### Faults'), text.indexOf('**Where rejected events go.**'));
  const codes = new Set<string>();
  for (const row of table.split('\n').filter((line) => line.startsWith('| '))) {
    const column = row.split('|')[2] ?? '';
    for (const match of column.matchAll(/`([a-z_*]+)`/g)) codes.add(match[1] ?? '');
  }
  return codes;
}

/** Whether `code` is documented, `kube_*` standing for every Kubernetes API reason. */
export function isDocumented(codes: ReadonlySet<string>, code: string): boolean {
  return codes.has(code) || (code.startsWith('kube_') && codes.has('kube_*'));
}
