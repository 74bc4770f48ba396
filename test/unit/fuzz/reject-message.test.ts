/**
 * The rejects-topic message always fits Pub/Sub's limits, whatever the rejected event carried,
 * and never loses the original data or attributes (fast-check, fixed seed; FUZZ_RUNS for more).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  PUBSUB_LIMITS,
  REJECT_ATTRIBUTES,
  rejectMessage,
  truncateUtf8,
} from '../../../shared/reject-message.js';
import { fuzzParameters } from '../../support/fuzz.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });

describe('truncateUtf8', () => {
  it('cuts at a character boundary within the byte limit', () => {
    expect(truncateUtf8('é'.repeat(600), 1024)).toBe('é'.repeat(512));
    expect(truncateUtf8(`a${'😀'.repeat(300)}`, 1024)).toBe(`a${'😀'.repeat(255)}`);
    fc.assert(
      fc.property(text(2000), fc.integer({ min: 0, max: 1500 }), (s, max) => {
        const cut = truncateUtf8(s, max);
        expect(bytes(cut)).toBeLessThanOrEqual(max);
        expect(s.startsWith(cut)).toBe(true);
        expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
      }),
      fuzzParameters(),
    );
  });
});

describe('rejectMessage', () => {
  it('folds attributes that would exceed the limits into an envelope', () => {
    const attributes = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'.repeat(1024)]));
    const message = rejectMessage({
      reason: 'not_json',
      message: `the data ${'ü'.repeat(2000)}`,
      data: Buffer.from('{').toString('base64'),
      attributes,
    });
    expect(message.enveloped).toBe(true);
    expect(Object.keys(message.attributes)).toHaveLength(3);
    expect(bytes(message.attributes[REJECT_ATTRIBUTES.message] ?? '')).toBeLessThanOrEqual(1024);
    expect(JSON.parse(message.data.toString())).toEqual({
      data: Buffer.from('{').toString('base64'),
      attributes,
    });
  });

  it('keeps small attribute sets as they are', () => {
    const message = rejectMessage({
      reason: 'unknown_target',
      message: 'm',
      data: 'e30=',
      attributes: { a: '1' },
    });
    expect(message).toEqual({
      data: Buffer.from('{}'),
      attributes: { a: '1', [REJECT_ATTRIBUTES.reason]: 'unknown_target', [REJECT_ATTRIBUTES.message]: 'm' },
      enveloped: false,
    });
  });

  it('always fits Pub/Sub and keeps every original attribute and the data', () => {
    const attributes = fc.dictionary(text(300), text(1200), { maxKeys: 130 });
    fc.assert(
      fc.property(
        text(3000),
        fc.option(text(400), { nil: undefined }),
        fc.uint8Array({ maxLength: 2000 }),
        attributes,
        (why, target, data, attrs) => {
          const input = {
            reason: 'schema_violation',
            message: why,
            target,
            data: Buffer.from(data).toString('base64'),
            attributes: attrs,
          };
          const message = rejectMessage(input);
          const entries = Object.entries(message.attributes);
          expect(entries.length).toBeLessThanOrEqual(PUBSUB_LIMITS.attributes);
          for (const [key, value] of entries) {
            expect(bytes(key)).toBeLessThanOrEqual(PUBSUB_LIMITS.keyBytes);
            expect(bytes(value)).toBeLessThanOrEqual(PUBSUB_LIMITS.valueBytes);
            expect(key.startsWith('goog')).toBe(false);
          }
          if (message.enveloped) {
            expect(JSON.parse(message.data.toString())).toEqual({ data: input.data, attributes: attrs });
          } else {
            expect(message.data).toEqual(Buffer.from(data));
            for (const [key, value] of Object.entries(attrs)) expect(message.attributes[key]).toBe(value);
          }
        },
      ),
      fuzzParameters(),
    );
  });
});
