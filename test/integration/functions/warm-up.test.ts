/**
 * Instance warm-up against a real Redis and a fake of the project's cluster interface: it opens
 * Redis and the cluster connection before the first event; when Redis or the cluster is down at
 * start it is not fatal, and the first event connects again: it succeeds once they are back, and
 * fails the usual way (logged, thrown for redelivery) while they are not.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '../../../shared/clock.js';
import { KubeApiError, RedisUnavailable } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/log.js';
import { RedisRejectSink } from '../../../shared/rejects.js';
import { createDeps } from '../../../functions/deps.js';
import { handlePrescale, type PrescaleDeps } from '../../../functions/prescale.js';
import { warmUp } from '../../../functions/warm-up.js';
import { FakeScaleApi } from '../../support/fake-scale-api.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';
import { localSettings } from '../../../emulator/stack/settings.js';

const T = 'acme/resnet101/v1';
const ref = { namespace: 'tf-serving', deployment: 'resnet' };
const event = (batchId: string, images: number) => ({
  data: Buffer.from(JSON.stringify({ target: T, batchId, images })).toString('base64'),
  messageId: batchId,
});

let server: RedisServer;
const opened: PrescaleDeps[] = [];
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await Promise.all(opened.map((deps) => deps.redis.close()));
  await server.stop();
});

/** A fresh instance: its own Redis handle, a fake cluster that counts connections. */
function instance() {
  const kube = new FakeScaleApi();
  kube.add(ref, 1);
  let connects = 0;
  const logger = new MemoryLogger();
  const prefix = `w${randomUUID().slice(0, 8)}`;
  const settings = localSettings(
    { [T]: { cluster: { kubeconfig: '/unused' }, ...ref, imagesPerReplica: 4, maxReplicas: 20 } },
    server.url,
    prefix,
  );
  const clusters = {
    apiFor: () => {
      connects++;
      return kube.apiFor();
    },
  };
  const base = createDeps(settings, { clusters, clock: new ManualClock(1_700_000_000_000), logger });
  const deps: PrescaleDeps = { ...base, rejects: new RedisRejectSink(base.redis, prefix) };
  opened.push(deps);
  return { deps, kube, logger, connects: () => connects };
}

describe('instance warm-up', () => {
  it('connects Redis and reads through the cluster connection before any event', async () => {
    const { deps, logger, connects } = instance();
    const report = await warmUp(deps);
    expect(report.failed).toEqual([]);
    expect(connects()).toBe(1);
    // The connection is open: the handle hands out a ready client without connecting.
    expect((await deps.redis.get()).status).toBe('ready');
    expect(logger.entries.filter((e) => e.severity === 'WARNING' || e.severity === 'ERROR')).toEqual([]);
  });

  it('survives Redis being down at start; the first event connects again and registers', async () => {
    const { deps, logger } = instance();
    await server.kill();
    try {
      const report = await warmUp(deps);
      expect(report.failed.map((f) => f.part)).toEqual(['redis']);
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ severity: 'WARNING', event: 'warm_up_failed' }),
      );
    } finally {
      await server.restart();
    }
    const outcome = await handlePrescale(deps, event('b1', 12));
    expect(outcome).toMatchObject({ kind: 'scaled', to: 3, status: 'new' });
  });

  it('with Redis still down at the first event, that event fails the usual way', async () => {
    const { deps, kube, logger } = instance();
    await server.kill();
    try {
      expect((await warmUp(deps)).failed.map((f) => f.part)).toEqual(['redis']);
      // Scaled from the event alone, logged, thrown so that Pub/Sub redelivers.
      await expect(handlePrescale(deps, event('b1', 8))).rejects.toBeInstanceOf(RedisUnavailable);
      expect(kube.replicas(ref)).toBe(2);
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ severity: 'WARNING', event: 'prescale_unrecorded', batchId: 'b1' }),
      );
    } finally {
      await server.restart();
    }
  });

  it('survives a cluster fault at start; the first event connects again and scales', async () => {
    const { deps, kube, connects } = instance();
    kube.failNext = { error: new KubeApiError(503, 'ServiceUnavailable', 'apiserver is starting'), times: 1 };
    const report = await warmUp(deps);
    expect(report.failed).toEqual([
      { part: expect.stringContaining('cluster'), error: expect.stringContaining('apiserver is starting') },
    ]);
    const outcome = await handlePrescale(deps, event('b1', 16));
    expect(outcome).toMatchObject({ kind: 'scaled', from: 1, to: 4, written: true });
    expect(connects()).toBe(2);
  });
});
