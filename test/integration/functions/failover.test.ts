/**
 * An acknowledged registration survives a failover: with REDIS_WAIT_REPLICAS=1 the prescale
 * handler acknowledges an event only once a replica holds its batch. A real primary and replica
 * are spawned; after the event, the primary is killed and the replica promoted (REPLICAOF NO ONE);
 * the redelivered event finds its batch there, counted exactly once. With no replica to confirm,
 * the handler throws a transient error so Pub/Sub redelivers.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDeps } from '../../../functions/deps.js';
import { handlePrescale, type PrescaleDeps } from '../../../functions/prescale.js';
import { ManualClock } from '../../../shared/clock.js';
import { RedisUnavailable } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/log.js';
import { RedisRejectSink } from '../../../shared/rejects.js';
import { FakeScaleApi } from '../../support/fake-scale-api.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';
import { localSettings } from '../../../emulator/stack/settings.js';

const T = 'acme/resnet101/v1';
const ref = { namespace: 'tf-serving', deployment: 'resnet' };
const PREFIX = 'fo';
const event = {
  data: Buffer.from(JSON.stringify({ target: T, batchId: 'b1', images: 8 })).toString('base64'),
  messageId: 'm1',
};

function depsFor(url: string, kube: FakeScaleApi): PrescaleDeps {
  const base = localSettings(
    { [T]: { cluster: { kubeconfig: '/unused' }, ...ref, imagesPerReplica: 4, maxReplicas: 20 } },
    url,
    PREFIX,
  );
  const settings = { ...base, redis: { ...base.redis, waitReplicas: 1, waitTimeoutMs: 500 } };
  const deps = createDeps(settings, {
    clusters: kube,
    clock: new ManualClock(1_700_000_000_000),
    logger: new MemoryLogger(),
  });
  return { ...deps, rejects: new RedisRejectSink(deps.redis, PREFIX) };
}

describe('registration across a Redis failover (real primary and replica)', () => {
  let primary: RedisServer;
  let replica: RedisServer;
  const kube = new FakeScaleApi();

  beforeAll(async () => {
    primary = await RedisServer.start();
    replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(primary.port)]);
    kube.add(ref, 0);
    const admin = new Redis(replica.port, '127.0.0.1');
    for (let i = 0; i < 250 && !(await admin.info('replication')).includes('master_link_status:up'); i++) {
      await sleep(20);
    }
    admin.disconnect();
  });
  afterAll(async () => {
    await primary.stop();
    await replica.stop();
  });

  it('keeps the acknowledged batch, exactly once, after the replica is promoted', async () => {
    const before = depsFor(primary.url, kube);
    await expect(handlePrescale(before, event)).resolves.toMatchObject({ kind: 'scaled', status: 'new' });
    await before.redis.close();
    await primary.kill();
    const promote = new Redis(replica.port, '127.0.0.1');
    expect(await promote.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    promote.disconnect();

    const after = depsFor(replica.url, kube);
    // The promoted server has no replica of its own: wait for none, as after a real failover.
    const single = {
      ...after,
      settings: { ...after.settings, redis: { ...after.settings.redis, waitReplicas: 0 } },
    };
    await expect(handlePrescale(single, event)).resolves.toMatchObject({
      kind: 'scaled',
      status: 'duplicate',
    });
    const redis = await after.redis.get();
    expect(await redis.hget(after.ledger.keys(T).total, 'b1')).toBe('8');
    expect(await redis.hlen(after.ledger.keys(T).total)).toBe(1);
    await after.redis.close();
  });

  it('throws a transient error when no replica confirms, so the event is redelivered', async () => {
    const alone = depsFor(replica.url, kube);
    const second = {
      ...event,
      data: Buffer.from(JSON.stringify({ target: T, batchId: 'b2', images: 4 })).toString('base64'),
    };
    await expect(handlePrescale(alone, second)).rejects.toBeInstanceOf(RedisUnavailable);
    await alone.redis.close();
  });
});
