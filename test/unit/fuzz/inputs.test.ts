/**
 * Every input surface, fuzzed with fast-check (fixed seed, bounded runs; FUZZ_RUNS=N for a longer
 * search): Pub/Sub message data (arbitrary bytes, encodings, sizes), the registry JSON, the
 * environment settings, the reconcile query string and the CLI flags. Each input ends as a value
 * or as the named, documented error of its surface (permanent, so never retried); nothing else
 * may be thrown.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseCommand, UsageError } from '../../../cli/args.js';
import { parseRegistry, parseRegistryJson } from '../../../shared/config/registry.js';
import { loadSettings } from '../../../shared/config/settings.js';
import { ConfigError, EventRejected, REJECT_REASONS } from '../../../shared/errors.js';
import { parseEvent } from '../../../shared/event.js';
import { parseReconcileQuery } from '../../../functions/query.js';
import { fuzzParameters } from '../../support/fuzz.js';
import { minimalRegistry } from '../../support/registry.js';

const registry = parseRegistry(minimalRegistry('acme/resnet/v1'));
const validTargets = JSON.stringify(minimalRegistry('a/b/c'));

/** Runs `f`; a throw must be an instance of `named` (with a permanent kind where it has one). */
function endsAs(f: () => unknown, named: abstract new (...args: never[]) => Error): void {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(named);
    if (error instanceof EventRejected || error instanceof ConfigError) expect(error.kind).toBe('permanent');
  }
}

const eventLike = fc.record(
  {
    target: fc.oneof(fc.string(), fc.constant('acme/resnet/v1')),
    batchId: fc.string(),
    images: fc.oneof(fc.integer(), fc.double(), fc.string()),
    deadlineSeconds: fc.oneof(fc.integer(), fc.string()),
    product: fc.string(),
  },
  { requiredKeys: [] },
);

describe('fuzzing the input surfaces', () => {
  it('Pub/Sub data: a valid event or a named rejection', () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 20_000 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 500 }).map((s) => Buffer.from(s, 'utf8')),
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'latin1')),
      eventLike.map((e) => Buffer.from(JSON.stringify(e))),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')),
    );
    fc.assert(
      fc.property(data, (bytes) => {
        try {
          parseEvent(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(EventRejected);
          expect(REJECT_REASONS).toContain((error as EventRejected).code);
        }
      }),
      fuzzParameters(),
    );
  });

  it('registry JSON: a registry or a ConfigError', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.jsonValue().map((v) => JSON.stringify({ targets: v })),
      fc
        .dictionary(fc.string(), fc.dictionary(fc.string(), fc.jsonValue()))
        .map((t) => JSON.stringify({ targets: t })),
    );
    fc.assert(
      fc.property(text, (t) => endsAs(() => parseRegistryJson(t, 'PRESCALER_TARGETS'), ConfigError)),
      fuzzParameters(),
    );
  });

  it('environment: settings or a ConfigError', () => {
    const names = [
      'REDIS_URL',
      'REDIS_AUTH',
      'REDIS_MODE',
      'REDIS_WAIT_REPLICAS',
      'REDIS_WAIT_TIMEOUT_MS',
      'PRESCALER_KEY_PREFIX',
      'PRESCALER_MAX_IMAGES_PER_EVENT',
      'PRESCALER_RECONCILE_CONCURRENCY',
    ];
    const value = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.webUrl(),
      fc
        .tuple(
          fc.constantFrom('redis', 'rediss', 'http'),
          fc.string(),
          fc.string(),
          fc.nat(70000),
          fc.string(),
        )
        .map(([s, u, p, port, path]) => `${s}://${u}:${p}@h:${port}/${path}`),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), value), (env) =>
        endsAs(() => loadSettings({ ...env, PRESCALER_TARGETS: validTargets }), ConfigError),
      ),
      fuzzParameters(),
    );
  });

  it('reconcile query strings: options, or a 400/404 naming the parameter', () => {
    const query = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc
        .array(fc.tuple(fc.constantFrom('dryRun', 'target', 'x', 'dryrun'), fc.string({ maxLength: 20 })), {
          maxLength: 4,
        })
        .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
    );
    fc.assert(
      fc.property(query, (q) => {
        const result = parseReconcileQuery(`/${q}`, registry);
        if (result.ok) {
          expect(typeof result.options.dryRun).toBe('boolean');
        } else {
          expect([400, 404]).toContain(result.status);
          expect(result.body.error).toContain(
            result.body.parameter === '(query)' ? 'query' : result.body.parameter,
          );
        }
      }),
      fuzzParameters(),
    );
  });

  it('CLI flags: a command or a UsageError', () => {
    const token = fc.oneof(
      fc.constantFrom(
        'publish',
        'status',
        'progress',
        'workers-acl',
        '--target',
        '--images',
        '--batch',
        '--done',
        '--redis',
        '--prefix',
        '--user',
        '--password-env',
        '--help',
        'acme/resnet/v1',
        '12',
        '-1',
      ),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), (argv) =>
        endsAs(
          () => parseCommand(argv, { PRESCALER_TARGETS_FILE: '/r.json', PRESCALER_TOPIC: 'events' }),
          UsageError,
        ),
      ),
      fuzzParameters(),
    );
  });
});
