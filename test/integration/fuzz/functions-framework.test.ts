/**
 * The deployed entry points fuzzed through the real Functions Framework (fast-check, fixed seed,
 * bounded runs; FUZZ_RUNS=N for a longer search), with a real redis-server and the Kubernetes API
 * emulator holding each function's Role: `prescale` receives arbitrary CloudEvent envelopes
 * (binary and structured mode, any `data`: a Pub/Sub message with any data, attributes, ids and
 * publish times, or something else entirely) and `reconcile` arbitrary query strings. With no
 * fault injected, every event is acknowledged (2xx: scaled, or rejected with a reason code of
 * README's fault table) and every request is answered with a report or a documented refusal; the
 * processes never log an unexpected failure. Needs `npm run build` (the functions run from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { KubeEmulator } from '../../../emulator/kube/index.js';
import { ProcessGroup } from '../../../emulator/stack/processes.js';
import { startFunction } from '../../../emulator/stack/services.js';
import { repoRoot } from '../../../emulator/stack/stack.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';
import { FUNCTION_ROLES, roleRules, type FunctionRole } from '../../../shared/kube/rbac-rules.js';
import { deploymentBody } from '../../unit/emulator/kube/support/fixtures.js';
import { documentedFaultCodes, fuzzParameters, isDocumented } from '../../support/fuzz.js';

const NS = 'tf-serving';
const DEPLOYMENT = 'resnet';
const TARGET = 'acme/resnet/v1';
const SOURCE = join(repoRoot(), 'dist', 'functions', 'index.js');
const CODES = documentedFaultCodes();

type LogLine = Record<string, unknown>;
const isLine = (value: unknown): value is LogLine => value !== null && typeof value === 'object';

/** The JSON log lines a function process printed. */
function logLines(lines: readonly string[]): LogLine[] {
  return lines.flatMap((line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      return isLine(parsed) ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

const token = fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/);
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** A Pub/Sub message as Eventarc wraps it, with every field open to anything. */
const pubsubMessage = fc.record(
  {
    data: fc.oneof(
      {
        arbitrary: fc
          .record({
            target: fc.constantFrom(TARGET, TARGET, 'acme/other/v1'),
            batchId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,20}$/),
            images: fc.integer({ min: -5, max: 200 }),
          })
          .map((e) => Buffer.from(JSON.stringify(e)).toString('base64')),
        weight: 3,
      },
      fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b).toString('base64')),
      fc.string({ unit: 'binary', maxLength: 200 }),
      anyJson,
    ),
    attributes: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 40 }), fc.string({ maxLength: 200 }), { maxKeys: 20 }),
      anyJson,
    ),
    messageId: fc.oneof(token, anyJson),
    publishTime: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
      anyJson,
    ),
  },
  { requiredKeys: ['data'] },
);

/**
 * The CloudEvent's data: {message, subscription} as Eventarc sends it, or another object. (A
 * binary-mode body that is not a JSON object, which Eventarc never sends, is refused by the
 * framework's body parser with 400 before any function code runs.)
 */
const eventData = fc.oneof(
  {
    arbitrary: fc.record(
      { message: pubsubMessage, subscription: fc.string() },
      { requiredKeys: ['message'] },
    ),
    weight: 4,
  },
  { arbitrary: fc.object({ maxDepth: 2 }), weight: 1 },
);

interface Delivery {
  readonly headers: Record<string, string>;
  readonly body: string;
}

const envelope: fc.Arbitrary<Delivery> = fc
  .record({ id: token, source: token, structured: fc.boolean(), data: eventData })
  .map(({ id, source, structured, data }): Delivery => {
    const type = 'google.cloud.pubsub.topic.v1.messagePublished';
    return structured
      ? {
          headers: { 'content-type': 'application/cloudevents+json' },
          body: JSON.stringify({
            specversion: '1.0',
            id,
            source,
            type,
            datacontenttype: 'application/json',
            data,
          }),
        }
      : {
          headers: {
            'content-type': 'application/json',
            'ce-id': id,
            'ce-source': source,
            'ce-type': type,
            'ce-specversion': '1.0',
          },
          body: JSON.stringify(data),
        };
  });

/** Query strings: the known parameters with good and bad values, and arbitrary text. */
const query = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.constantFrom('dryRun', 'target', 'dryrun', 'x', ''),
        fc.constantFrom('true', 'false', TARGET, 'acme/other/v1', '1', '', '%zz', 'TRUE'),
      ),
      { maxLength: 3 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  fc.string({ maxLength: 60 }).map((s) => encodeURI(s.replace(/[\uD800-\uDFFF]/g, ''))),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[#\s]/g, '')),
);

describe('the functions, fuzzed through the Functions Framework', () => {
  const group = new ProcessGroup();
  const lines: Record<FunctionRole, string[]> = { prescale: [], reconcile: [] };
  const linesOf = (fn: FunctionRole): string[] => lines[fn];
  const urls: Partial<Record<FunctionRole, string>> = {};
  let dir: string;
  let server: RedisServer;
  let kube: KubeEmulator;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prescaler-fuzz-'));
    server = await RedisServer.start();
    const users = FUNCTION_ROLES.map((fn) => ({
      fn,
      name: `prescaler-${fn}@acme.iam.gserviceaccount.com`,
      token: `token-${randomUUID()}`,
      rules: roleRules(fn, [DEPLOYMENT]).map((r) => ({ ...r, namespaces: [NS] })),
    }));
    kube = await KubeEmulator.start({ rbac: users });
    kube.applyManifest(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
    const body = deploymentBody(DEPLOYMENT, 1);
    kube.applyManifest(stringify({ ...body, metadata: { ...body.metadata, namespace: NS } }));
    for (const user of users) {
      const kubeconfig = join(dir, `${user.fn}.kubeconfig`);
      await kube.writeKubeconfig(kubeconfig, user.name);
      const registry = join(dir, `${user.fn}.json`);
      const target = {
        cluster: { kubeconfig },
        namespace: NS,
        deployment: DEPLOYMENT,
        imagesPerReplica: 50,
        maxReplicas: 4,
      };
      await writeFile(registry, JSON.stringify({ targets: { [TARGET]: target } }));
      const fn = await startFunction(group, {
        target: user.fn,
        source: SOURCE,
        env: {
          PRESCALER_TARGETS_FILE: registry,
          REDIS_URL: server.url,
          PRESCALER_KEY_PREFIX: `fz${randomUUID().slice(0, 6)}`,
        },
      });
      fn.child.onLine((line) => linesOf(user.fn).push(line));
      urls[user.fn] = fn.url;
    }
  });

  afterAll(async () => {
    await group.stopAll();
    await kube.stop();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('acknowledges every CloudEvent: scaled, or rejected with a documented reason', async () => {
    let runs = 0;
    const handled = (l: Record<string, unknown>) => l.event === 'rejected' || l.event === 'prescale';
    await fc.assert(
      fc.asyncProperty(envelope, async ({ headers, body }) => {
        runs++;
        const response = await fetch(urls.prescale ?? '', { method: 'POST', headers, body });
        const text = await response.text();
        expect({ status: response.status, body: text }).toEqual({ status: expect.any(Number), body: text });
        expect(response.status).toBeLessThan(300);
      }),
      fuzzParameters(40),
    );
    // The process prints its lines as it handles each event; wait for the last ones to arrive.
    for (let i = 0; i < 50 && logLines(linesOf('prescale')).filter(handled).length < runs; i++)
      await sleep(100);
    const logged = logLines(linesOf('prescale'));
    const reasons = logged.filter((l) => l.event === 'rejected').map((l) => String(l.reason));
    expect(reasons.filter((r) => !isDocumented(CODES, r))).toEqual([]);
    expect(reasons).toContain('not_json');
    expect(logged.some((l) => l.event === 'prescale')).toBe(true);
    expect(logged.filter((l) => l.event === 'prescale_failed')).toEqual([]);
  });

  it('answers every reconcile query with a report or a documented refusal', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const response = await fetch(`${urls.reconcile ?? ''}/?${q}`, { method: 'POST' });
        const body = (await response.json()) as Record<string, unknown>;
        if (response.status === 200) {
          expect(body.ok).toBe(true);
        } else {
          expect({ query: q, status: response.status }).toEqual({ query: q, status: expect.any(Number) });
          expect([400, 404]).toContain(response.status);
          expect(isDocumented(CODES, String(body.code))).toBe(true);
          expect(typeof body.parameter).toBe('string');
          expect(body).toHaveProperty('allowed');
        }
      }),
      fuzzParameters(40),
    );
    expect(logLines(linesOf('reconcile')).filter((l) => l.severity === 'ERROR')).toEqual([]);
  });
});
