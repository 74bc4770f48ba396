/**
 * Cold start of the deployable artifact (dist/function, scripts/bundle.ts) against a bare
 * Functions Framework function: milliseconds from spawning the process until the first CloudEvent
 * it was sent has been handled, median of RUNS each (target ratio <= 2). Every prescale first
 * event must really have scaled the emulator's Deployment over HTTPS and registered its batch in
 * Redis, or the run fails: a rejected or failing event is no cold start. Also prints the
 * artifact's size and module count.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { systemClock } from '../../shared/clock.js';
import { ClusterAccess } from '../../shared/kube/cluster.js';
import { Ledger } from '../../shared/redis/ledger.js';
import { functionsFrameworkMain } from '../../emulator/stack/services.js';
import { freePort, ProcessGroup } from '../../emulator/stack/processes.js';
import { ARTIFACT_DIR, bundleFunctions, REPO_ROOT } from '../../scripts/bundle.js';
import type { Result } from '../suite.js';
import {
  deploymentName,
  message,
  percentile,
  postEvent,
  round,
  targetName,
  withFixture,
  writeRegistry,
} from './fixture.js';

const RUNS = 11;
const SUITE = 'prescale';

/** Milliseconds from spawning a function process until a CloudEvent it was sent succeeds. */
async function coldStart(
  source: string,
  target: string,
  env: NodeJS.ProcessEnv,
  data: object,
): Promise<number> {
  const group = new ProcessGroup();
  const port = await freePort();
  const started = performance.now();
  const child = group.spawn({
    name: target,
    command: process.execPath,
    args: [
      functionsFrameworkMain(),
      `--target=${target}`,
      `--source=${source}`,
      `--port=${port}`,
      '--signature-type=cloudevent',
    ],
    env: { ...process.env, ...env },
  });
  try {
    for (;;) {
      const response = await postEvent(`http://127.0.0.1:${port}/`, data).catch(() => undefined);
      if (response?.ok) return performance.now() - started;
      if (response) throw new Error(`${target} answered ${response.status}:\n${child.lastLines}`);
      if (performance.now() - started > 30_000) throw new Error(`${target} did not start within 30 s`);
      await sleep(2);
    }
  } finally {
    await group.stopAll();
  }
}

export async function coldStarts(): Promise<Result[]> {
  const bundle = await bundleFunctions();
  const bare: number[] = [];
  const prescale: number[] = [];
  await withFixture([1, 1, 10_000], async (fixture) => {
    const prefix = 'cold';
    const env = {
      PRESCALER_TARGETS_FILE: writeRegistry(fixture),
      REDIS_URL: fixture.redis.url,
      PRESCALER_KEY_PREFIX: prefix,
    };
    const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig: fixture.kubeconfig });
    const ref = { namespace: 'bench', deployment: deploymentName(0) };
    const redis = new Redis(fixture.redis.port, '127.0.0.1');
    const totals = new Ledger(prefix).keys(targetName(0)).total;
    try {
      for (let i = 0; i < RUNS; i++) {
        bare.push(await coldStart(join(REPO_ROOT, 'bench/functions/bare-function.js'), 'bare', {}, {}));
        const batchId = `cold-${i}`;
        const data = { message: message(targetName(0), batchId, 1) };
        prescale.push(await coldStart(ARTIFACT_DIR, 'prescale', env, data));
        // One image per replica: the i-th first event must have raised the Deployment to i + 1.
        const replicas = (await api.readScale(ref)).replicas;
        const registered = await redis.hget(totals, batchId);
        if (replicas !== i + 1 || registered !== '1') {
          throw new Error(
            `cold start ${i}: the first event did not scale and register (replicas ${replicas}, want ${i + 1}; batch ${registered})`,
          );
        }
      }
    } finally {
      redis.disconnect();
    }
  });
  const bareMs = percentile(bare, 50);
  const prescaleMs = percentile(prescale, 50);
  const ratio = prescaleMs / bareMs;
  return [
    { suite: SUITE, metric: 'function bundle size', value: round(bundle.bytes / 1_000_000), unit: 'MB' },
    { suite: SUITE, metric: 'function bundle modules', value: bundle.modules, unit: 'modules' },
    {
      suite: SUITE,
      metric: `cold start to first event, bare function (median of ${RUNS})`,
      value: round(bareMs, 0),
      unit: 'ms',
    },
    {
      suite: SUITE,
      metric: `cold start to first event scaled and registered, prescale bundle (median of ${RUNS})`,
      value: round(prescaleMs, 0),
      unit: 'ms',
    },
    {
      suite: SUITE,
      metric: `cold start ratio, prescale / bare, on Node ${process.versions.node}`,
      value: round(ratio),
      unit: 'x',
      target: '<= 2',
      pass: ratio <= 2,
    },
  ];
}
