/**
 * toPubSubMessage: whatever sits where the Pub/Sub message should be in a CloudEvent comes out
 * with the field types the handler relies on, string data untouched and other data kept as the
 * base64 of its JSON (fast-check, fixed seed; FUZZ_RUNS for more).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { toPubSubMessage } from '../../../functions/message.js';
import { fuzzParameters } from '../../support/fuzz.js';

const optionalString = (v: unknown) => v === undefined || typeof v === 'string';

describe('toPubSubMessage', () => {
  it('keeps a well-formed message as it is', () => {
    const message = {
      data: 'e30=',
      attributes: { a: '1' },
      messageId: 'm',
      publishTime: '2026-01-01T00:00:00Z',
    };
    expect(toPubSubMessage(message)).toEqual(message);
  });

  it('keeps non-string data as the base64 of its JSON and stringifies attribute values', () => {
    expect(toPubSubMessage({ data: false, attributes: { n: 1, s: 'x' }, messageId: 7 })).toEqual({
      data: Buffer.from('false').toString('base64'),
      attributes: { n: '1', s: 'x' },
      messageId: undefined,
      publishTime: undefined,
    });
    expect(toPubSubMessage('not an object')).toEqual({});
  });

  it('gives string fields and string attribute values for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.record({ data: fc.jsonValue(), attributes: fc.jsonValue() })),
        (value) => {
          const m = toPubSubMessage(value);
          expect(optionalString(m.data) && optionalString(m.messageId) && optionalString(m.publishTime)).toBe(
            true,
          );
          expect(Object.values(m.attributes ?? {}).every((v) => typeof v === 'string')).toBe(true);
          const data = (value as { data?: unknown } | null)?.data;
          if (typeof data === 'string') expect(m.data).toBe(data);
        },
      ),
      fuzzParameters(),
    );
  });
});
