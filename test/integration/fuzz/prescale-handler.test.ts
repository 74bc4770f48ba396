/**
 * Whole Pub/Sub messages fuzzed through the real prescale handler (fast-check, fixed seed,
 * bounded runs; FUZZ_RUNS=N for a longer search): arbitrary data (bytes, base64 or not, any
 * encoding and size up to past the 16 KiB limit), attributes, message ids and publish times
 * (also of the wrong types, as the entry point's toPubSubMessage hands them on),
 * against a real redis-server, with faults injected: the Kubernetes API failing (permanent or
 * transient), Redis unreachable, the reject sink down. Each message ends as an acknowledgement
 * (scaled, or rejected with a reason code of README's fault table), or as a thrown transient
 * error, and only when a transient fault was injected. Nothing else is thrown, no rejection is
 * left unhandled, and a permanent fault is never retried.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ManualClock } from '../../../shared/clock.js';
import { KubeApiError, PrescalerError, REJECT_REASONS, RejectNotRecorded } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/log.js';
import { RedisRejectSink, type RejectedEvent, type RejectSink } from '../../../shared/rejects.js';
import { handlePrescale, type PrescaleDeps, type PubSubMessage } from '../../../functions/prescale.js';
import { createDeps } from '../../../functions/deps.js';
import { toPubSubMessage } from '../../../functions/message.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';
import { freePort } from '../../../emulator/stack/processes.js';
import { localSettings } from '../../../emulator/stack/settings.js';
import { FakeScaleApi } from '../../support/fake-scale-api.js';
import { documentedFaultCodes, fuzzParameters, isDocumented } from '../../support/fuzz.js';

const T = 'acme/resnet101/v1';
const ref = { namespace: 'tf-serving', deployment: 'resnet' };
const TARGETS = { [T]: { cluster: { kubeconfig: '/unused' }, ...ref, imagesPerReplica: 4, maxReplicas: 20 } };
const CODES = documentedFaultCodes();

/** A reject sink (the project's interface) that is down: it cannot keep anything. */
class DownSink implements RejectSink {
  readonly where = 'nowhere';
  record(_event: RejectedEvent): Promise<void> {
    return Promise.reject(new RejectNotRecorded('the rejects topic and Redis are both down'));
  }
}

type Fault = 'none' | 'kube-permanent' | 'kube-transient' | 'redis-down' | 'sink-down';
const TRANSIENT: ReadonlySet<Fault> = new Set(['kube-transient', 'redis-down', 'sink-down']);

const eventJson = fc.record(
  {
    target: fc.oneof(fc.constant(T), fc.constant('acme/other/v1'), fc.string()),
    product: fc.oneof(fc.constant('acme'), fc.string()),
    model: fc.oneof(fc.constant('resnet101'), fc.string()),
    version: fc.oneof(fc.constant('v1'), fc.string()),
    batchId: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string(), fc.integer()),
    images: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer(), fc.double(), fc.string()),
    deadlineSeconds: fc.oneof(fc.integer({ min: 1, max: 3600 }), fc.integer(), fc.string()),
  },
  { requiredKeys: [] },
);

/** The data field as a publisher (or anything between) could leave it. */
const validEvent = fc.record({
  target: fc.constant(T),
  batchId: fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
  images: fc.integer({ min: 1, max: 500 }),
});

const data = fc.oneof(
  { arbitrary: validEvent.map((e) => Buffer.from(JSON.stringify(e)).toString('base64')), weight: 3 },
  eventJson.map((e) => Buffer.from(JSON.stringify(e)).toString('base64')),
  fc.uint8Array({ maxLength: 20_000 }).map((b) => Buffer.from(b).toString('base64')),
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s, 'utf16le').toString('base64')),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s, 'latin1').toString('base64')),
  fc.string({ unit: 'binary', maxLength: 300 }), // not base64 at all
  fc.constant(Buffer.from('x'.repeat(17_000)).toString('base64')),
  fc.constant(undefined),
);

const message: fc.Arbitrary<PubSubMessage> = fc.record(
  {
    data,
    attributes: fc.dictionary(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 1500 }),
      {
        maxKeys: 120,
      },
    ),
    messageId: fc.string({ unit: 'binary', maxLength: 100 }),
    publishTime: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
    ),
  },
  { requiredKeys: [] },
);

/** What an envelope may carry where the message should be, as the entry point hands it on. */
const delivered = fc.oneof(
  { arbitrary: message, weight: 4 },
  fc.jsonValue({ maxDepth: 3 }).map(toPubSubMessage),
  fc
    .record({
      data: fc.jsonValue({ maxDepth: 2 }),
      attributes: fc.jsonValue({ maxDepth: 2 }),
      publishTime: fc.jsonValue(),
    })
    .map(toPubSubMessage),
);

const fault = fc.constantFrom<Fault>(
  'none',
  'none',
  'kube-permanent',
  'kube-transient',
  'redis-down',
  'sink-down',
);

describe('prescale handler, fuzzed with whole messages and injected faults', () => {
  let server: RedisServer;
  let deadPort: number;
  const opened: PrescaleDeps[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    server = await RedisServer.start();
    deadPort = await freePort();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    for (const deps of opened) await deps.redis.close();
    await server.stop();
  });

  /** Fresh dependencies for one case: the real Redis (or a port nothing listens on), a fake API. */
  function depsFor(injected: Fault, run: number): { deps: PrescaleDeps; kube: FakeScaleApi } {
    const url = injected === 'redis-down' ? `redis://127.0.0.1:${deadPort}` : server.url;
    const settings = localSettings(TARGETS, url, `f${run}`);
    const kube = new FakeScaleApi();
    kube.add(ref, 1);
    if (injected === 'kube-permanent' || injected === 'kube-transient') {
      const [status, reason] =
        injected === 'kube-permanent'
          ? ([403, 'Forbidden'] as const)
          : ([503, 'ServiceUnavailable'] as const);
      kube.failNext = { error: new KubeApiError(status, reason, `injected ${status}`), times: 100 };
    }
    const base = createDeps(settings, {
      clusters: kube,
      clock: new ManualClock(1_700_000_000_000),
      logger: new MemoryLogger(),
    });
    const rejects =
      injected === 'sink-down' ? new DownSink() : new RedisRejectSink(base.redis, settings.keyPrefix);
    const deps = { ...base, rejects };
    opened.push(deps);
    return { deps, kube };
  }

  it('ends every message as an acknowledgement, a documented reject, or a transient error for a transient fault', async () => {
    let run = 0;
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(delivered, fault, async (msg, injected) => {
        const { deps } = depsFor(injected, ++run);
        let outcome: Awaited<ReturnType<typeof handlePrescale>> | undefined;
        let thrown: unknown;
        try {
          outcome = await handlePrescale(deps, msg);
        } catch (error) {
          thrown = error;
        } finally {
          await deps.redis.close();
        }
        if (outcome?.kind === 'rejected') {
          expect(REJECT_REASONS).toContain(outcome.reason);
          expect(isDocumented(CODES, outcome.reason)).toBe(true);
          seen.add(outcome.reason);
        } else if (outcome) {
          expect(outcome.kind).toBe('scaled');
          expect(['none', 'sink-down']).toContain(injected);
          seen.add('scaled');
        } else {
          // Thrown: redelivered by Pub/Sub, which only a transient fault may cause.
          expect(thrown).toBeInstanceOf(PrescalerError);
          const fault = thrown as PrescalerError;
          expect({ code: fault.code, kind: fault.kind }).toEqual({ code: fault.code, kind: 'transient' });
          expect(isDocumented(CODES, fault.code)).toBe(true);
          expect(TRANSIENT.has(injected)).toBe(true);
          seen.add(fault.code);
        }
      }),
      fuzzParameters(150),
    );
    expect(unhandled).toEqual([]);
    // The generators reach every ending: a scale-up, rejects, and redeliveries.
    expect([...seen]).toEqual(
      expect.arrayContaining(['scaled', 'not_json', 'schema_violation', 'forbidden', 'redis_unavailable']),
    );
  });

  it('documents every reason the handler can reject with', () => {
    for (const reason of REJECT_REASONS) expect(isDocumented(CODES, reason)).toBe(true);
  });
});
