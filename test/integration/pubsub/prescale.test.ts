/**
 * The prescale function as deployed: events published to the real Pub/Sub emulator reach a real
 * Functions Framework process through a push subscription (turned into a CloudEvent there), and
 * the function scales Deployments in the Kubernetes API emulator as a user holding exactly the
 * Terraform Role's rights. One emulator, one Redis and one function process serve the file;
 * each case uses its own target. Needs `npm run build` (the function runs from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Subscription, Topic } from '@google-cloud/pubsub';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeEmulator } from '../../../emulator/kube/index.js';
import type { Child } from '../../../emulator/stack/processes.js';
import { createPushSubscription, pushEndpoint } from '../../../emulator/stack/pubsub.js';
import { rejectedKey, TargetKeys } from '../../../shared/redis/keys.js';
import {
  deploymentManifest,
  functionUser,
  namespaceManifest,
  servicesForSuite,
  startPrescale,
  writeRegistry,
} from '../../support/services-suite.js';
import { freshPrefix } from '../../support/function-deps.js';

const PROJECT = 'prescaler-test';
const NS = 'ml';
const USER = 'prescaler-fn';
const PREFIX = freshPrefix();

/** target name -> Deployment name; imagesPerReplica 1 except `fanin` (4). */
const TARGETS = {
  raise: 'acme/raise/v1',
  dup: 'acme/dup/v1',
  fanin: 'acme/fanin/v1',
  reject: 'acme/reject/v1',
  redis: 'acme/redisdown/v1',
} as const;
const deploymentOf = (target: string) => target.split('/')[1] as string;

interface LogLine {
  readonly atMs: number;
  readonly fields: Record<string, unknown>;
}

describe('prescale through the Pub/Sub emulator, a Functions Framework process and the Kubernetes API emulator', () => {
  const services = servicesForSuite(PROJECT);
  let redis: Redis;
  let kube: KubeEmulator;
  let fn: Child;
  let topic: Topic;
  let subscription: Subscription;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    const { dir, pubsub } = services;
    redis = services.redis;
    const deployments = Object.values(TARGETS).map(deploymentOf);
    kube = await KubeEmulator.start({ rbac: [functionUser(USER, 'prescale', deployments, NS)] });
    kube.applyManifest(namespaceManifest(NS));
    const startup = { 'emulator.prescaler.dev/startup-seconds': '1' };
    for (const name of deployments) kube.applyManifest(deploymentManifest(name, NS, 0, startup));
    const kubeconfig = join(dir, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfig, USER);

    const registryFile = await writeRegistry(
      dir,
      Object.fromEntries(
        Object.values(TARGETS).map((target) => [
          target,
          {
            cluster: { kubeconfig },
            namespace: NS,
            deployment: deploymentOf(target),
            imagesPerReplica: target === TARGETS.fanin ? 4 : 1,
            minReplicas: 0,
            maxReplicas: 100,
          },
        ]),
      ),
    );

    const started = await startPrescale(services, registryFile, PREFIX);
    fn = started.child;
    fn.onLine((line) => {
      if (!line.startsWith('{')) return;
      try {
        lines.push({ atMs: performance.now(), fields: JSON.parse(line) as Record<string, unknown> });
      } catch {
        // not a log line of the function
      }
    });

    ({ topic, subscription } = await createPushSubscription(pubsub, {
      topic: 'events',
      subscription: 'events-prescale',
      endpoint: pushEndpoint(started.url, PROJECT, 'events'),
      minimumBackoffSeconds: 2,
      maximumBackoffSeconds: 4,
    }));
  }, 60_000);

  afterAll(async () => {
    await kube?.stop();
  });

  const publish = (event: unknown) =>
    topic.publishMessage({ data: Buffer.from(typeof event === 'string' ? event : JSON.stringify(event)) });
  const replicas = (target: string) => kube.getDeployment(NS, deploymentOf(target))?.spec.replicas;
  const logged = (event: string, match: Record<string, unknown> = {}) =>
    lines.filter(
      (l) => l.fields.event === event && Object.entries(match).every(([k, v]) => l.fields[k] === v),
    );

  async function eventually<T>(
    what: string,
    probe: () => T | Promise<T>,
    ok: (value: T) => boolean,
    ms = 15_000,
  ) {
    const until = performance.now() + ms;
    let value = await probe();
    while (!ok(value)) {
      if (performance.now() > until)
        throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
      await sleep(20);
      value = await probe();
    }
    return value;
  }

  it('raises the Deployment on a publish', async () => {
    await publish({ target: TARGETS.raise, batchId: 'b1', images: 3 });
    await eventually(
      'replicas to reach 3',
      () => replicas(TARGETS.raise),
      (r) => r === 3,
      5000,
    );
    // The log line travels through the function's stdout pipe, after the scale write.
    const [line] = await eventually(
      'the decision line',
      () => logged('prescale', { target: TARGETS.raise }),
      (l) => l.length === 1,
    );
    expect(line?.fields).toMatchObject({
      from: 0,
      to: 3,
      batch: 'new',
    });
  });

  it('counts a batch published twice once', async () => {
    await publish({ target: TARGETS.dup, batchId: 'same', images: 5 });
    await publish({ target: TARGETS.dup, batchId: 'same', images: 5 });
    const seen = await eventually(
      'both deliveries',
      () => logged('prescale', { target: TARGETS.dup }),
      (l) => l.length === 2,
    );
    expect(seen.map((l) => l.fields.batch).sort()).toEqual(['duplicate', 'new']);
    expect(replicas(TARGETS.dup)).toBe(5);
    const keys = new TargetKeys(PREFIX, TARGETS.dup);
    expect(await redis.hgetall(keys.total)).toEqual({ same: '5' });
  });

  it('ends 100 concurrent events for one target at exactly the replicas their work needs', async () => {
    // 100 batches of 2 images at 4 images per replica: 200 / 4 = 50 replicas.
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => publish({ target: TARGETS.fanin, batchId: `f${i}`, images: 2 })),
    );
    await eventually(
      '100 deliveries',
      () => logged('prescale', { target: TARGETS.fanin }),
      (l) => l.length === 100,
      30_000,
    );
    expect(replicas(TARGETS.fanin)).toBe(50);
    const keys = new TargetKeys(PREFIX, TARGETS.fanin);
    expect(Object.keys(await redis.hgetall(keys.total))).toHaveLength(100);
    const outstanding = logged('prescale', { target: TARGETS.fanin }).map((l) =>
      Number(l.fields.outstanding),
    );
    expect(Math.max(...outstanding)).toBe(200);
  }, 40_000);

  it('scales nothing for malformed and unknown-target events, and records them in the rejected list', async () => {
    const before = Object.values(TARGETS).map(replicas);
    await publish('this is not json');
    await publish({ target: TARGETS.reject, batchId: 'x', images: 0 });
    await publish({ target: 'acme/unknown/v9', batchId: 'x', images: 4 });
    const rejected = await eventually(
      'three rejects in the list',
      () => redis.lrange(rejectedKey(PREFIX), 0, -1),
      (l) => l.length === 3,
    );
    const reasons = rejected.map((r) => (JSON.parse(r) as { reason: string }).reason).sort();
    expect(reasons).toEqual(['not_json', 'schema_violation', 'unknown_target']);
    await sleep(300);
    expect(Object.values(TARGETS).map(replicas)).toEqual(before);
    expect(logged('prescale', { target: TARGETS.reject })).toHaveLength(0);
    // Acknowledged, not retried: each was delivered once.
    expect(logged('rejected')).toHaveLength(3);
  });

  it('with Redis down still scales up, then records the batch once Redis is back and the message is redelivered', async () => {
    const [meta] = await subscription.getMetadata();
    expect(meta.retryPolicy).toMatchObject({
      minimumBackoff: { seconds: '2' },
      maximumBackoff: { seconds: '4' },
    });

    await services.server.kill();
    await publish({ target: TARGETS.redis, batchId: 'r1', images: 4 });
    await eventually(
      'replicas to reach 4 with Redis down',
      () => replicas(TARGETS.redis),
      (r) => r === 4,
      5000,
    );

    // Each delivery while Redis is down scales from the event alone, then asks for redelivery.
    const failed = await eventually(
      'three deliveries while Redis is down',
      () => logged('prescale_unrecorded', { batchId: 'r1' }),
      (l) => l.length >= 3,
      20_000,
    );
    const gaps = failed.slice(1).map((l, i) => l.atMs - (failed[i] as LogLine).atMs);
    // The emulator redelivers the first time after about a second whatever the policy says, and
    // honours minimumBackoff from then on (without a policy it keeps redelivering every second).
    expect(gaps[0]).toBeGreaterThan(500);
    expect(gaps[1]).toBeGreaterThanOrEqual(1800);

    await services.server.restart();
    const keys = new TargetKeys(PREFIX, TARGETS.redis);
    await eventually(
      'the batch in the ledger',
      () => redis.hget(keys.total, 'r1'),
      (v) => v === '4',
      20_000,
    );
    await eventually(
      'a recorded delivery',
      () => logged('prescale', { batchId: 'r1', batch: 'new' }),
      (l) => l.length === 1,
    );
    expect(replicas(TARGETS.redis)).toBe(4);
  }, 60_000);
});
