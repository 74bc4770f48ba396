/**
 * Benchmarks of the prescale function, with a real redis-server and the Kubernetes API emulator
 * (HTTPS, its own process):
 * - handler latency p50/p99 with 1,000 open batches on the target (target p99 <= 20 ms);
 * - a burst of 10,000 events over 100 targets: events/s (>= 1,000), targets whose final
 *   replicas are wrong (0), scale writes that changed nothing (0);
 * - publish-to-replicas latency through the Pub/Sub emulator, a push subscription and a
 *   Functions Framework process (p99 <= 500 ms);
 * - cold start, process start to first event handled, against a bare Functions Framework
 *   function (ratio <= 2).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { systemClock } from '../../shared/clock.js';
import { ClusterAccess } from '../../shared/kube/cluster.js';
import type { ScaleApi, ScaleRef } from '../../shared/kube/scale-api.js';
import { silentLogger } from '../../shared/log.js';
import { RedisRejectSink } from '../../shared/rejects.js';
import { handlePrescale, type PrescaleDeps } from '../../functions/prescale.js';
import { checkPrerequisites } from '../../emulator/stack/prerequisites.js';
import { ProcessGroup } from '../../emulator/stack/processes.js';
import { createPushSubscription, emulatorClient, pushEndpoint } from '../../emulator/stack/pubsub.js';
import { startFunction, startPubSubEmulator } from '../../emulator/stack/services.js';
import { repoRoot } from '../../emulator/stack/stack.js';
import type { Result, Suite } from '../suite.js';
import { deploymentName, percentile, round, targetName, withFixture, type Fixture } from './fixture.js';
import { testSettings } from '../../test/support/settings.js';
import { createDeps } from '../../functions/deps.js';

const message = (target: string, batchId: string, images: number) => ({
  data: Buffer.from(JSON.stringify({ target, batchId, images })).toString('base64'),
  messageId: batchId,
  publishTime: new Date(systemClock.now()).toISOString(),
});

/** Counts scale writes, and those that left replicas where they were. */
class CountingApi {
  writes = 0;
  noops = 0;

  wrap(api: ScaleApi): ScaleApi {
    return {
      readScale: (ref) => api.readScale(ref),
      readDeployment: (ref) => api.readDeployment(ref),
      listPods: (ns, selector) => api.listPods(ns, selector),
      annotatePod: (ns, pod, annotations) => api.annotatePod(ns, pod, annotations),
      otherAutoscalers: (ref) => api.otherAutoscalers(ref),
      listReplicaSets: (ns, selector) => api.listReplicaSets(ns, selector),
      writeScale: async (ref: ScaleRef, replicas: number, resourceVersion: string) => {
        const before = (await api.readScale(ref)).replicas;
        const after = await api.writeScale(ref, replicas, resourceVersion);
        this.writes++;
        if (after.replicas === before) this.noops++;
        return after;
      },
    };
  }
}

/** The registry JSON of the fixture's first target, for a function process to load. */
function writeRegistry(fixture: Fixture): string {
  const file = join(fixture.kubeconfig, '..', 'registry.json');
  const { name, ...spec } = fixture.registry.get(targetName(0))!;
  writeFileSync(file, JSON.stringify({ targets: { [name]: spec } }));
  return file;
}

function depsFor(fixture: Fixture, prefix: string, counting?: CountingApi): PrescaleDeps {
  const settings = testSettings(fixture.registry, fixture.redis.url, prefix, { maxImagesPerEvent: 100_000 });
  const access = new ClusterAccess({ clock: systemClock });
  const deps = createDeps(settings, {
    clusters: {
      apiFor: async (cluster) =>
        counting ? counting.wrap(await access.apiFor(cluster)) : access.apiFor(cluster),
    },
    clock: systemClock,
    logger: silentLogger,
  });
  return { ...deps, rejects: new RedisRejectSink(deps.redis, prefix) };
}

async function handlerLatency(): Promise<Result[]> {
  // 4,000 images at 10 per replica: the Deployment grows to 400 replicas during the run.
  return withFixture([1, 10, 10_000], async (fixture) => {
    const deps = depsFor(fixture, `b${randomUUID().slice(0, 6)}`);
    const target = targetName(0);
    for (let i = 0; i < 1000; i++) await handlePrescale(deps, message(target, `open-${i}`, 2));
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const started = performance.now();
      await handlePrescale(deps, message(target, `timed-${i}`, 1));
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

async function burst(): Promise<Result[]> {
  const TARGETS = 100;
  const EVENTS = 10_000;
  return withFixture([TARGETS, 4, 10_000], async (fixture) => {
    const counting = new CountingApi();
    const deps = depsFor(fixture, `b${randomUUID().slice(0, 6)}`, counting);
    const images = (i: number) => 1 + (i % 7);
    const expected = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) {
      const t = targetName(i % TARGETS);
      expected.set(t, (expected.get(t) ?? 0) + images(i));
    }
    // Events in flight at once in one instance (Cloud Functions allows up to 1,000 per instance).
    const limit = pLimit(256);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: EVENTS }, (_, i) =>
        limit(() => handlePrescale(deps, message(targetName(i % TARGETS), `burst-${i}`, images(i)))),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig: fixture.kubeconfig });
    let wrong = 0;
    for (let i = 0; i < TARGETS; i++) {
      const scale = await api.readScale({ namespace: 'bench', deployment: deploymentName(i) });
      if (scale.replicas !== Math.ceil((expected.get(targetName(i)) ?? 0) / 4)) wrong++;
    }
    await deps.redis.close();
    const rate = EVENTS / seconds;
    return [
      {
        suite: 'prescale',
        metric: `burst of ${EVENTS} events over ${TARGETS} targets, 256 in flight`,
        value: round(rate, 0),
        unit: 'events/s',
        target: '>= 1000',
        pass: rate >= 1000,
      },
      {
        suite: 'prescale',
        metric: 'targets with wrong final replicas',
        value: wrong,
        unit: 'targets',
        target: '0',
        pass: wrong === 0,
      },
      { suite: 'prescale', metric: 'scale writes in the burst', value: counting.writes, unit: 'writes' },
      {
        suite: 'prescale',
        metric: 'scale writes that changed nothing',
        value: counting.noops,
        unit: 'writes',
        target: '0',
        pass: counting.noops === 0,
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
      const log = join(fixture.kubeconfig, '..', 'prescale.log');
      const fn = await startFunction(group, {
        target: 'prescale',
        source: join(repoRoot(), 'dist/functions/index.js'),
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

/** Milliseconds from spawning a function process until a CloudEvent it was sent succeeds. */
async function coldStart(
  source: string,
  target: string,
  env: NodeJS.ProcessEnv,
  data: object,
): Promise<number> {
  const group = new ProcessGroup();
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const started = performance.now();
  group.spawn({
    name: target,
    command: process.execPath,
    args: [
      join(repoRoot(), 'node_modules/@google-cloud/functions-framework/build/src/main.js'),
      `--target=${target}`,
      `--source=${source}`,
      `--port=${port}`,
      '--signature-type=cloudevent',
    ],
    env: { ...process.env, ...env },
  });
  try {
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ce-id': randomUUID(),
          'ce-specversion': '1.0',
          'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
          'ce-source': '//pubsub.googleapis.com/projects/bench/topics/events',
        },
        body: JSON.stringify(data),
      }).catch(() => undefined);
      if (response?.ok) return performance.now() - started;
      if (response) throw new Error(`${target} answered ${response.status}: ${await response.text()}`);
      if (performance.now() - started > 30_000) throw new Error(`${target} did not start within 30 s`);
      await sleep(5);
    }
  } finally {
    await group.stopAll();
  }
}

async function coldStarts(): Promise<Result[]> {
  const bare: number[] = [];
  const prescale: number[] = [];
  await withFixture([1, 1, 10_000], async (fixture) => {
    const env = {
      PRESCALER_TARGETS_FILE: writeRegistry(fixture),
      REDIS_URL: fixture.redis.url,
      PRESCALER_KEY_PREFIX: 'cold',
    };
    for (let i = 0; i < 5; i++) {
      bare.push(await coldStart(join(repoRoot(), 'bench/functions/bare-function.js'), 'bare', {}, {}));
      const data = message(targetName(0), `cold-${i}`, 1);
      prescale.push(
        await coldStart(join(repoRoot(), 'dist/functions/index.js'), 'prescale', env, { message: data }),
      );
    }
  });
  const ratio = percentile(prescale, 50) / percentile(bare, 50);
  return [
    {
      suite: 'prescale',
      metric: 'cold start to first event, bare function (median)',
      value: round(percentile(bare, 50), 0),
      unit: 'ms',
    },
    {
      suite: 'prescale',
      metric: 'cold start to first event, prescale (median)',
      value: round(percentile(prescale, 50), 0),
      unit: 'ms',
    },
    {
      suite: 'prescale',
      metric: 'cold start ratio, prescale / bare',
      value: round(ratio),
      unit: 'x',
      target: '<= 2',
      pass: ratio <= 2,
    },
  ];
}

export const prescaleBench: Suite = {
  name: 'prescale',
  async run() {
    return [
      ...(await handlerLatency()),
      ...(await burst()),
      ...(await throughPubSub()),
      ...(await coldStarts()),
    ];
  },
};
