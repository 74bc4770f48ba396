/**
 * fast-check settings of the fuzz suites: a fixed seed and a bounded number of runs in `npm test`;
 * FUZZ_RUNS=N runs N cases per property (and FUZZ_SEED=S another seed) for a longer search.
 */
export function fuzzParameters(defaultRuns = 200): { seed: number; numRuns: number } {
  const runs = Number(process.env.FUZZ_RUNS);
  const seed = Number(process.env.FUZZ_SEED);
  return {
    seed: Number.isInteger(seed) ? seed : 20261129,
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns,
  };
}
