/**
 * `npm run bench [-- --only NAME] [-- --strict]`: runs every suite of bench/suites.ts, prints
 * one table of all figures and, after a full run, writes them to bench/results/results.json.
 * Misses against a target are reported, not hidden; `--strict` makes them a non-zero exit code.
 *
 * Each suite runs in a fresh process of its own (this file with `--suite NAME`), so no suite's
 * figures pay for another's heap: the reconcile suite leaves about 550 MB of garbage behind, and
 * the agent suite's in-process model servers, run after it in one process, measured direct gRPC
 * calls 4x slower than alone.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { formatTable } from './sim/table.js';
import type { Result, Suite } from './suite.js';
import { SUITES } from './suites.js';

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

function show(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100
    ? value.toFixed(0)
    : Math.abs(value) >= 10
      ? value.toFixed(1)
      : value.toFixed(2);
}

/** Runs one suite in a child process of this file and returns its figures. */
function runApart(suite: Suite): Promise<Result[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--suite', suite.name], {
      execArgv: process.execArgv,
      serialization: 'advanced',
    });
    let results: Result[] | undefined;
    child.once('message', (message) => (results = message as Result[]));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      results && code === 0
        ? resolve(results)
        : reject(
            new Error(`suite ${suite.name} failed: exit ${code ?? signal} (its error is printed above)`),
          ),
    );
  });
}

/** The child's side: run the named suite, send its figures to the parent, exit. */
async function runSuite(name: string): Promise<number> {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) throw new Error(`no suite named "${name}"`);
  const results = await suite.run();
  await new Promise<void>((resolve, reject) =>
    process.send?.(results, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      strict: { type: 'boolean', default: false },
      suite: { type: 'string' },
    },
    strict: true,
  });
  if (values.suite !== undefined) return runSuite(values.suite);
  const suites = values.only ? SUITES.filter((s) => s.name === values.only) : SUITES;
  if (suites.length === 0) {
    process.stderr.write(
      `no suite named "${values.only}" (suites: ${SUITES.map((s) => s.name).join(', ')})\n`,
    );
    return 2;
  }
  const results: Result[] = [];
  const timings: Array<{ suite: string; seconds: number }> = [];
  for (const suite of suites) {
    const started = performance.now();
    results.push(...(await runApart(suite)));
    timings.push({ suite: suite.name, seconds: (performance.now() - started) / 1000 });
  }

  const rows = results.map((r) => [
    r.suite,
    r.metric,
    show(r.value),
    r.unit,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'pass' : 'MISS',
  ]);
  process.stdout.write(`${formatTable(['suite', 'metric', 'value', 'unit', 'target', 'result'], rows)}\n\n`);
  const judged = results.filter((r) => r.pass !== undefined);
  const missed = judged.filter((r) => r.pass === false);
  for (const r of missed) {
    if (r.reason !== undefined) process.stdout.write(`MISS ${r.metric}: ${r.reason}\n`);
  }
  for (const t of timings) process.stdout.write(`${t.suite}: ${t.seconds.toFixed(1)} s\n`);
  process.stdout.write(`${judged.length - missed.length} of ${judged.length} targets met\n`);

  if (values.only) {
    process.stdout.write('figures not written: results.json holds full runs only\n');
    return values.strict && missed.length > 0 ? 1 : 0;
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}results.json`;
  writeFileSync(file, `${JSON.stringify({ node: process.version, suites: timings, results }, null, 2)}\n`);
  process.stdout.write(`figures: ${relative(process.cwd(), file)}\n`);
  return values.strict && missed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
