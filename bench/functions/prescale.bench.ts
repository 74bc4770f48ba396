/**
 * Benchmarks of the prescale function, with a real redis-server and the Kubernetes API emulator
 * (HTTPS, its own process):
 * - handler latency p50/p99 with 1,000 open batches on the target (target p99 <= 20 ms);
 * - the deployed shape: several function processes, 10,000 events over 100 targets, beside a
 *   direct-write baseline (deployed.bench.ts);
 * - publish-to-replicas latency through the Pub/Sub emulator, a push subscription and a
 *   Functions Framework process (p99 <= 500 ms);
 * - cold start of the bundled artifact, process start to first event handled, against a bare
 *   Functions Framework function (ratio <= 2; cold-start.bench.ts).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../shared/clock.js';
import { ClusterAccess } from '../../shared/kube/cluster.js';
import { silentLogger } from '../../shared/log.js';
import { RedisRejectSink } from '../../shared/rejects.js';
import { handlePrescale, type PrescaleDeps } from '../../functions/prescale.js';
import { checkPrerequisites } from '../../emulator/stack/prerequisites.js';
import { ProcessGroup } from '../../emulator/stack/processes.js';
import { createPushSubscription, emulatorClient, pushEndpoint } from '../../emulator/stack/pubsub.js';
import { startFunction, startPubSubEmulator } from '../../emulator/stack/services.js';
import { ARTIFACT_DIR } from '../../scripts/bundle.js';
import type { Result, Suite } from '../suite.js';
import { coldStarts } from './cold-start.bench.js';
import { deployedShape } from './deployed.bench.js';
import {
  deploymentName,
  message,
  percentile,
  round,
  targetName,
  withFixture,
  writeRegistry,
  type Fixture,
} from './fixture.js';
import { localSettings } from '../../emulator/stack/settings.js';
import { createDeps } from '../../functions/deps.js';

function depsFor(fixture: Fixture, prefix: string): PrescaleDeps {
  const settings = localSettings(fixture.registry, fixture.redis.url, prefix, { maxImagesPerEvent: 100_000 });
  const deps = createDeps(settings, {
    clusters: new ClusterAccess({ clock: systemClock }),
    clock: systemClock,
    logger: silentLogger,
  });
  return { ...deps, rejects: new RedisRejectSink(deps.redis, prefix) };
}

const published = () => new Date(systemClock.now()).toISOString();

async function handlerLatency(): Promise<Result[]> {
  // 4,000 images at 10 per replica: the Deployment grows to 400 replicas during the run.
  return withFixture([1, 10, 10_000], async (fixture) => {
    const deps = depsFor(fixture, `b${randomUUID().slice(0, 6)}`);
    const target = targetName(0);
    for (let i = 0; i < 1000; i++) await handlePrescale(deps, message(target, `open-${i}`, 2, published()));
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const started = performance.now();
      await handlePrescale(deps, message(target, `timed-${i}`, 1, published()));
      samples.push(performance.now() - started);
    }
    await deps.redis.close();
    const p99 = percentile(samples, 99);
    return [
      {
        suite: 'prescale',
        metric: 'handler latency p50, 1,000 open batches',
        value: round(percentile(samples, 50)),
        unit: 'ms',
      },
      {
        suite: 'prescale',
        metric: 'handler latency p99, 1,000 open batches',
        value: round(p99),
        unit: 'ms',
        target: '<= 20',
        pass: p99 <= 20,
      },
    ];
  });
}

async function throughPubSub(): Promise<Result[]> {
  const tools = checkPrerequisites();
  return withFixture([1, 1, 10_000], async (fixture) => {
    const group = new ProcessGroup();
    try {
      const pubsub = await startPubSubEmulator(group, { bin: tools.pubsubEmulator, java: tools.java });
      const registryFile = writeRegistry(fixture);
      const log = join(fixture.dir, 'prescale.log');
      const fn = await startFunction(group, {
        target: 'prescale',
        source: ARTIFACT_DIR,
        env: {
          PRESCALER_TARGETS_FILE: registryFile,
          REDIS_URL: fixture.redis.url,
          PRESCALER_KEY_PREFIX: 'bench',
        },
        logFile: log,
      });
      const client = emulatorClient(pubsub.host, 'bench');
      const { topic } = await createPushSubscription(client, {
        topic: 'events',
        subscription: 'push',
        endpoint: pushEndpoint(fn.url, 'bench', 'events'),
      });
      const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig: fixture.kubeconfig });
      const ref = { namespace: 'bench', deployment: deploymentName(0) };
      const samples: number[] = [];
      for (let i = 0; i < 100; i++) {
        const want = (await api.readScale(ref)).replicas + 1;
        const started = performance.now();
        await topic.publishMessage({
          data: Buffer.from(JSON.stringify({ target: targetName(0), batchId: `p-${i}`, images: 1 })),
        });
        while ((await api.readScale(ref)).replicas < want) {
          if (performance.now() - started > 10_000)
            throw new Error(`publish ${i} did not raise replicas within 10 s; see ${log}`);
          await sleep(2);
        }
        samples.push(performance.now() - started);
      }
      await client.close();
      const p99 = percentile(samples, 99);
      return [
        {
          suite: 'prescale',
          metric: 'publish-to-replicas p50 (Pub/Sub emulator)',
          value: round(percentile(samples, 50), 0),
          unit: 'ms',
        },
        {
          suite: 'prescale',
          metric: 'publish-to-replicas p99 (Pub/Sub emulator)',
          value: round(p99, 0),
          unit: 'ms',
          target: '<= 500',
          pass: p99 <= 500,
        },
      ];
    } finally {
      await group.stopAll();
    }
  });
}

export const prescaleBench: Suite = {
  name: 'prescale',
  async run() {
    return [
      ...(await handlerLatency()),
      ...(await deployedShape()),
      ...(await throughPubSub()),
      ...(await coldStarts()),
    ];
  },
};
