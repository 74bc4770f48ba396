/**
 * The reject path through the real Pub/Sub emulator and a Functions Framework prescale process
 * whose PRESCALER_REJECTS_TOPIC is set: an event whose reject would exceed Pub/Sub's attribute
 * limits (100 attributes of 1 KiB, a long message) is published to the rejects topic once, in an
 * envelope, and acknowledged; when the rejects topic is gone, the reject is kept in the Redis list
 * with an ERROR line and the event is still acknowledged (never redelivered for the retry window).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Subscription, Topic } from '@google-cloud/pubsub';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPushSubscription, pushEndpoint } from '../../../emulator/stack/pubsub.js';
import { REJECT_ATTRIBUTES } from '../../../shared/reject-message.js';
import { rejectedKey } from '../../../shared/redis/keys.js';
import { servicesForSuite, startPrescale, writeRegistry } from '../../support/services-suite.js';

const PROJECT = 'prescaler-rejects';
const PREFIX = 'rj';

describe('rejects through the Pub/Sub emulator', () => {
  const services = servicesForSuite(PROJECT);
  const lines: Array<Record<string, unknown>> = [];
  let redis: Redis;
  let events: Topic;
  let rejects: Topic;
  let pulled: Subscription;

  beforeAll(async () => {
    const { dir, pubsub } = services;
    redis = services.redis;
    const registryFile = await writeRegistry(dir, {
      'acme/resnet/v1': {
        cluster: { kubeconfig: join(dir, 'unused') },
        namespace: 'ns',
        deployment: 'd',
        imagesPerReplica: 1,
        maxReplicas: 2,
      },
    });
    [rejects] = await pubsub.createTopic('rejects');
    [pulled] = await rejects.createSubscription('rejects-pull');
    const fn = await startPrescale(services, registryFile, PREFIX, {
      PRESCALER_REJECTS_TOPIC: `projects/${PROJECT}/topics/rejects`,
      GOOGLE_CLOUD_PROJECT: PROJECT,
    });
    fn.child.onLine((line) => {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    ({ topic: events } = await createPushSubscription(pubsub, {
      topic: 'events',
      subscription: 'events-prescale',
      endpoint: pushEndpoint(fn.url, PROJECT, 'events'),
      minimumBackoffSeconds: 1,
      maximumBackoffSeconds: 2,
    }));
  }, 60_000);

  /** Lines of one event, after waiting past two redelivery backoffs for any repeat. */
  async function settled(event: string, messageId: string, count: number): Promise<number> {
    const matching = () => lines.filter((l) => l.event === event && l.messageId === messageId).length;
    for (let i = 0; i < 500 && matching() < count; i++) await sleep(20);
    await sleep(4000);
    return matching();
  }

  it('publishes an over-limit reject once, in an envelope, and acknowledges the event', async () => {
    const attributes = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [
        `${'k'.repeat(250)}${String(i).padStart(3, '0')}`,
        'ü'.repeat(512),
      ]),
    );
    const data = Buffer.from(`not json ${'€'.repeat(400)}`);
    const messageId = await events.publishMessage({ data, attributes });
    expect(await settled('rejected', messageId, 1)).toBe(1);
    const received: Array<{ data: Buffer; attributes: Record<string, string> }> = [];
    pulled.on('message', (m: { data: Buffer; attributes: Record<string, string>; ack(): void }) => {
      received.push({ data: m.data, attributes: m.attributes });
      m.ack();
    });
    for (let i = 0; i < 250 && received.length === 0; i++) await sleep(20);
    await sleep(1000);
    await pulled.close();
    expect(received).toHaveLength(1);
    const [reject] = received;
    expect(reject?.attributes[REJECT_ATTRIBUTES.reason]).toBe('not_json');
    expect(reject?.attributes[REJECT_ATTRIBUTES.envelope]).toBeDefined();
    expect(Object.keys(reject?.attributes ?? {}).length).toBeLessThanOrEqual(100);
    expect(JSON.parse(reject?.data.toString() ?? '{}')).toEqual({
      data: data.toString('base64'),
      attributes,
    });
    expect(await redis.llen(rejectedKey(PREFIX))).toBe(0);
  });

  it('keeps a reject that cannot be published in the Redis list, with an ERROR line, and acknowledges', async () => {
    await rejects.delete();
    const messageId = await events.publishMessage({ data: Buffer.from('{"target": 1}') });
    expect(await settled('reject_fallback', messageId, 1)).toBe(1);
    const fallback = lines.find((l) => l.event === 'reject_fallback' && l.messageId === messageId);
    expect(fallback).toMatchObject({ severity: 'ERROR', reason: 'schema_violation' });
    expect(lines.filter((l) => l.event === 'rejected' && l.messageId === messageId)).toHaveLength(1);
    const kept = (await redis.lrange(rejectedKey(PREFIX), 0, -1)).map(
      (r) => JSON.parse(r) as { messageId: string },
    );
    expect(kept.filter((r) => r.messageId === messageId)).toHaveLength(1);
  });
});
