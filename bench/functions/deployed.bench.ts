/**
 * The deployed shape: PROCESSES prescale instances (the artifact under the Functions Framework,
 * each its own process) with the concurrency Terraform gives them, EVENTS events over TARGETS
 * targets sent to them round-robin as CloudEvents. Prints events/s (target >= 1,000) beside a
 * direct-write baseline measured in the same run (the same number of scale-ups written straight
 * to the API emulator, with as many in flight), targets with wrong final replicas, events that
 * failed (for any reason, resourceVersion conflicts included) and scale writes that changed
 * nothing, each with target 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { systemClock } from '../../shared/clock.js';
import { ClusterAccess } from '../../shared/kube/cluster.js';
import { scaleUpTo } from '../../shared/kube/scale-api.js';
import { ProcessGroup } from '../../emulator/stack/processes.js';
import { startFunction } from '../../emulator/stack/services.js';
import { ARTIFACT_DIR, REPO_ROOT } from '../../scripts/bundle.js';
import type { Result } from '../suite.js';
import {
  deploymentName,
  eventSender,
  message,
  round,
  targetName,
  withFixture,
  writeRegistry,
} from './fixture.js';

const PROCESSES = 4;
const TARGETS = 100;
const EVENTS = 10_000;
const IMAGES_PER_REPLICA = 4;
const SUITE = 'prescale';

/** prescale's events per instance, as terraform/variables.tf sets it by default. */
export function terraformConcurrency(): number {
  const variables = readFileSync(join(REPO_ROOT, 'terraform/variables.tf'), 'utf8');
  const found = /concurrency\s*=\s*optional\(number,\s*(\d+)\)/.exec(variables)?.[1];
  if (!found) throw new Error('terraform/variables.tf: no default for functions.prescale.concurrency');
  return Number(found);
}

interface Decision {
  event?: string;
  target?: string;
  written?: boolean;
  from?: number;
  to?: number;
}

/**
 * Decision lines of the functions' logs: writes, and writes that left replicas where they were.
 * Events that shared one scale-up round each log that round's write; a write raises its target
 * to a count no other write of the target reaches, so a write is a distinct (target, to).
 */
function writesIn(logs: readonly string[]): { writes: number; noops: number; failedLines: number } {
  const written = new Set<string>();
  let noops = 0;
  let failedLines = 0;
  for (const file of logs) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Decision;
      if (entry.event === 'prescale_failed') failedLines++;
      if (entry.event !== 'prescale' || !entry.written) continue;
      const write = `${entry.target} -> ${entry.to}`;
      if (written.has(write)) continue;
      written.add(write);
      if ((entry.to ?? 0) <= (entry.from ?? 0)) noops++;
    }
  }
  return { writes: written.size, noops, failedLines };
}

export async function deployedShape(): Promise<Result[]> {
  const concurrency = terraformConcurrency();
  return withFixture([TARGETS, IMAGES_PER_REPLICA, 10_000], async (fixture) => {
    const group = new ProcessGroup();
    const logs = Array.from({ length: PROCESSES }, (_, i) => join(fixture.dir, `prescale-${i}.log`));
    try {
      const registry = writeRegistry(fixture, TARGETS);
      const instances = await Promise.all(
        logs.map((logFile) =>
          startFunction(group, {
            target: 'prescale',
            source: ARTIFACT_DIR,
            env: {
              PRESCALER_TARGETS_FILE: registry,
              REDIS_URL: fixture.redis.url,
              PRESCALER_KEY_PREFIX: 'shape',
            },
            logFile,
          }),
        ),
      );
      const images = (i: number) => 1 + (i % 7);
      const expected = new Map<number, number>();
      for (let i = 0; i < EVENTS; i++)
        expected.set(i % TARGETS, (expected.get(i % TARGETS) ?? 0) + images(i));

      // Cloud Run hands an instance at most `concurrency` requests at once.
      const limits = instances.map(() => pLimit(concurrency));
      const send = eventSender(concurrency);
      let failed = 0;
      const failures = new Map<string, number>();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: EVENTS }, (_, i) =>
          limits[i % PROCESSES]!(async () => {
            const data = { message: message(targetName(i % TARGETS), `shape-${i}`, images(i)) };
            const outcome = await send(instances[i % PROCESSES]!.url, data).then(
              (status) => (status >= 200 && status < 300 ? 'ok' : `HTTP ${status}`),
              (error: unknown) => (error as Error).message,
            );
            if (outcome !== 'ok') {
              failed++;
              failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
            }
          }),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig: fixture.kubeconfig });
      let wrong = 0;
      for (let t = 0; t < TARGETS; t++) {
        const scale = await api.readScale({ namespace: 'bench', deployment: deploymentName(t) });
        if (scale.replicas !== Math.ceil((expected.get(t) ?? 0) / IMAGES_PER_REPLICA)) wrong++;
      }
      await group.stopAll();
      const { writes, noops, failedLines } = writesIn(logs);
      if (failures.size > 0)
        process.stderr.write(`deployed shape: failed events ${JSON.stringify([...failures])}\n`);

      // Baseline: the same number of scale-ups written straight to the API by one client, with
      // as many in flight as one instance takes.
      const direct = pLimit(concurrency);
      let directFailed = 0;
      const baseStarted = performance.now();
      await Promise.all(
        Array.from({ length: EVENTS }, (_, i) =>
          direct(async () => {
            const ref = { namespace: 'bench', deployment: deploymentName(i % TARGETS) };
            const base = Math.ceil((expected.get(i % TARGETS) ?? 0) / IMAGES_PER_REPLICA);
            await scaleUpTo(api, ref, base + Math.floor(i / TARGETS) + 1).catch(() => directFailed++);
          }),
        ),
      );
      const directRate = EVENTS / ((performance.now() - baseStarted) / 1000);
      const rate = EVENTS / seconds;
      const shape = `${PROCESSES} processes x concurrency ${concurrency}`;
      return [
        {
          suite: SUITE,
          metric: `deployed shape (${shape}): ${EVENTS} events over ${TARGETS} targets`,
          value: round(rate, 0),
          unit: 'events/s',
          target: '>= 1000',
          pass: rate >= 1000,
        },
        {
          suite: SUITE,
          metric: `direct-write baseline: ${EVENTS} scale-ups straight to the API, same run`,
          value: round(directRate, 0),
          unit: 'writes/s',
        },
        {
          suite: SUITE,
          metric: 'direct-write baseline: writes that failed',
          value: directFailed,
          unit: 'writes',
        },
        {
          suite: SUITE,
          metric: 'deployed shape / direct-write baseline',
          value: round(rate / directRate),
          unit: 'x',
        },
        {
          suite: SUITE,
          metric: 'deployed shape: targets with wrong final replicas',
          value: wrong,
          unit: 'targets',
          target: '0',
          pass: wrong === 0,
        },
        {
          suite: SUITE,
          metric: 'deployed shape: events that failed (conflicts included)',
          value: Math.max(failed, failedLines),
          unit: 'events',
          target: '0',
          pass: failed === 0 && failedLines === 0,
        },
        { suite: SUITE, metric: 'deployed shape: scale writes', value: writes, unit: 'writes' },
        {
          suite: SUITE,
          metric: 'deployed shape: scale writes that changed nothing',
          value: noops,
          unit: 'writes',
          target: '0',
          pass: noops === 0,
        },
      ];
    } finally {
      await group.stopAll();
    }
  });
}
