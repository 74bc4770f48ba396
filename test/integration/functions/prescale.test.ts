/**
 * The prescale handler on a real Redis, standalone and as a 3-master Cluster, with the fake
 * Kubernetes API: sizing from the whole outstanding work, redeliveries, API faults (permanent,
 * transient, conflicts) and Redis down.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { KubeApiError } from '../../../shared/errors.js';
import type { MemoryLogger } from '../../../shared/log.js';
import { RedisRejectSink } from '../../../shared/rejects.js';
import { rejectedKey } from '../../../shared/redis/keys.js';
import { handlePrescale, type PrescaleDeps } from '../../../functions/prescale.js';
import type { FakeScaleApi } from '../../support/fake-scale-api.js';
import { RedisCluster } from '../../support/redis-cluster.js';
import { depsForSuite } from '../../support/function-deps.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';

const T = 'acme/resnet101/v1';
const ref = { namespace: 'tf-serving', deployment: 'resnet' };
const message = (event: unknown, id: string = randomUUID()) => ({
  data: Buffer.from(typeof event === 'string' ? event : JSON.stringify(event)).toString('base64'),
  messageId: id,
  publishTime: new Date(1_700_000_000_000).toISOString(),
  attributes: { source: 'test' },
});

/** A standalone redis-server, and a real 3-master Redis Cluster (REDIS_MODE=cluster). */
const MODES = [
  { mode: 'standalone' as const, start: () => RedisServer.start() },
  { mode: 'cluster' as const, start: () => RedisCluster.start() },
];

describe.each(MODES)('prescale handler (real Redis $mode, fake Kubernetes API)', ({ mode, start }) => {
  const suite = depsForSuite(start);
  let deps: PrescaleDeps;
  let kube: FakeScaleApi;
  let logger: MemoryLogger;

  beforeEach(async () => {
    const fresh = await suite.renew(
      { [T]: { ...ref, imagesPerReplica: 4, minReplicas: 0, maxReplicas: 20 } },
      { nowMs: 1_700_000_000_500, mode },
    );
    ({ kube, logger } = fresh);
    kube.add(ref, 1);
    deps = { ...fresh.deps, rejects: new RedisRejectSink(fresh.deps.redis, fresh.prefix) };
  });

  it('raises replicas from the whole outstanding work and logs one decision line', async () => {
    await handlePrescale(deps, message({ target: T, batchId: 'b1', images: 10 }));
    expect(kube.replicas(ref)).toBe(3);
    await handlePrescale(
      deps,
      message({ product: 'acme', model: 'resnet101', version: 'v1', batchId: 'b2', images: 10 }),
    );
    expect(kube.replicas(ref)).toBe(5);
    const line = logger.entries.find((e) => e.event === 'prescale' && e.batchId === 'b2');
    expect(line).toMatchObject({
      severity: 'INFO',
      target: T,
      from: 3,
      to: 5,
      outstanding: 20,
      written: true,
    });
    expect(line?.reason).toBe('20 images outstanding at 4 per replica');
    expect(typeof line?.latencyMs).toBe('number');
  });

  it('counts a redelivered message once and never lowers replicas', async () => {
    const event = { target: T, batchId: 'b1', images: 8 };
    await handlePrescale(deps, message(event, 'm1'));
    await handlePrescale(deps, message(event, 'm1'));
    expect(kube.replicas(ref)).toBe(2);
    expect(kube.writes).toHaveLength(1);
    kube.add(ref, 9);
    const outcome = await handlePrescale(deps, message({ target: T, batchId: 'b3', images: 1 }));
    expect(outcome).toMatchObject({ kind: 'scaled', from: 9, to: 9, written: false });
  });

  it.each([
    ['not_json', 'not json at all'],
    ['schema_violation', { target: T, batchId: 'b', images: 0 }],
    ['unknown_target', { target: 'acme/other/v9', batchId: 'b', images: 3 }],
    ['too_many_images', { target: T, batchId: 'b', images: 5000 }],
  ])('acknowledges and records a %s event without scaling', async (reason, event) => {
    const outcome = await handlePrescale(deps, message(event));
    expect(outcome).toEqual({ kind: 'rejected', reason });
    expect(kube.writes).toHaveLength(0);
    const redis = await deps.redis.get();
    const [recorded] = await redis.lrange(rejectedKey(deps.settings.keyPrefix), 0, 0);
    const record = JSON.parse(recorded ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ reason, attributes: { source: 'test' } });
    expect(Buffer.from(String(record.data), 'base64').toString()).toBe(
      typeof event === 'string' ? event : JSON.stringify(event),
    );
    expect(logger.entries.find((e) => e.event === 'rejected')).toMatchObject({ severity: 'ERROR', reason });
  });

  it('treats 403 and 404 from the API as permanent: recorded, not retried', async () => {
    kube.failNext = {
      error: new KubeApiError(403, 'Forbidden', 'deployments.apps "resnet" is forbidden'),
      times: 1,
    };
    expect(await handlePrescale(deps, message({ target: T, batchId: 'b1', images: 4 }))).toEqual({
      kind: 'rejected',
      reason: 'forbidden',
    });
    kube.deployments.clear();
    expect(await handlePrescale(deps, message({ target: T, batchId: 'b2', images: 4 }))).toEqual({
      kind: 'rejected',
      reason: 'target_not_found',
    });
  });

  it('throws on a transient API fault so Pub/Sub redelivers', async () => {
    kube.failNext = { error: new KubeApiError(503, 'ServiceUnavailable', 'etcd is busy'), times: 1 };
    await expect(handlePrescale(deps, message({ target: T, batchId: 'b1', images: 4 }))).rejects.toThrow(
      'etcd is busy',
    );
    expect(logger.entries.find((e) => e.event === 'prescale_failed')).toMatchObject({
      severity: 'ERROR',
      code: 'kube_serviceunavailable',
    });
  });

  it('retries conflicts and still ends at the right count', async () => {
    kube.conflicts = 2;
    await handlePrescale(deps, message({ target: T, batchId: 'b1', images: 12 }));
    expect(kube.replicas(ref)).toBe(3);
    expect(kube.writes).toHaveLength(1);
  });

  it('rides out a run of resourceVersion conflicts instead of failing the event', async () => {
    // Giving up when the time budget is spent, as a transient fault: test/unit/kube/scale-up.test.ts.
    kube.conflicts = 25;
    const outcome = await handlePrescale(deps, message({ target: T, batchId: 'b1', images: 12 }));
    expect(outcome).toMatchObject({ kind: 'scaled', from: 1, to: 3, written: true });
    expect(kube.conflicts).toBe(0);
  });

  it('with Redis down, scales from the event alone, then records the batch on redelivery', async () => {
    await suite.server.kill();
    const m = message({ target: T, batchId: 'b1', images: 16 });
    await expect(handlePrescale(deps, m)).rejects.toThrow(/Redis/);
    expect(kube.replicas(ref)).toBe(4);
    expect(logger.entries.find((e) => e.event === 'prescale_unrecorded')).toBeDefined();

    await suite.server.restart();
    for (
      let i = 0;
      i < 50 &&
      (await deps.redis.get().then(
        () => false,
        () => true,
      ));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await handlePrescale(deps, m)).toMatchObject({ kind: 'scaled', status: 'new', to: 4 });
    const redis = await deps.redis.get();
    expect(await redis.hget(deps.ledger.keys(T).total, 'b1')).toBe('16');
  });
});
