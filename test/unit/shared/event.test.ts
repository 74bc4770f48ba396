import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EventRejected } from '../../../shared/errors.js';
import { eventJsonSchema, MAX_EVENT_BYTES, parseEvent } from '../../../shared/event.js';

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function rejection(data: Uint8Array): EventRejected {
  try {
    parseEvent(data);
  } catch (error) {
    expect(error).toBeInstanceOf(EventRejected);
    return error as EventRejected;
  }
  throw new Error('expected the event to be rejected');
}

describe('parseEvent', () => {
  it('reads a target string', () => {
    expect(parseEvent(bytes({ target: 'acme/resnet101/v1', batchId: 'b1', images: 400 }))).toEqual({
      target: 'acme/resnet101/v1',
      batchId: 'b1',
      images: 400,
    });
  });

  it('joins product, model and version, and keeps a deadline', () => {
    expect(
      parseEvent(
        bytes({
          product: 'acme',
          model: 'resnet101',
          version: 'v1',
          batchId: 'b1',
          images: 2,
          deadlineSeconds: 60,
        }),
      ),
    ).toEqual({ target: 'acme/resnet101/v1', batchId: 'b1', images: 2, deadlineSeconds: 60 });
  });

  it.each([
    ['not JSON', 'images: 4', 'not_json', 'event data is not UTF-8 JSON'],
    [
      'zero images',
      { target: 'a/b/c', batchId: 'b', images: 0 },
      'schema_violation',
      'key "images" = 0: must be an integer of at least 1',
    ],
    [
      'fractional images',
      { target: 'a/b/c', batchId: 'b', images: 2.5 },
      'schema_violation',
      'key "images" = 2.5',
    ],
    ['missing batchId', { target: 'a/b/c', images: 3 }, 'schema_violation', 'key "batchId" = missing'],
    ['no target', { batchId: 'b', images: 3, product: 'a' }, 'schema_violation', 'missing model, version'],
    [
      'both target forms',
      { target: 'a/b/c', product: 'a', model: 'b', version: 'c', batchId: 'b', images: 1 },
      'schema_violation',
      'both "target" and',
    ],
    [
      'negative deadline',
      { target: 'a/b/c', batchId: 'b', images: 1, deadlineSeconds: -5 },
      'schema_violation',
      'key "deadlineSeconds" = -5',
    ],
  ])('rejects %s', (_case, input, code, message) => {
    const error = rejection(bytes(input));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.hint).toBeTruthy();
  });

  it('rejects oversized payloads before parsing', () => {
    const error = rejection(new Uint8Array(MAX_EVENT_BYTES + 1));
    expect(error.code).toBe('oversized_payload');
  });

  it('rejects invalid UTF-8', () => {
    expect(rejection(new Uint8Array([0x7b, 0xff, 0x7d])).code).toBe('not_json');
  });
});

describe('the shipped JSON Schema', () => {
  const file = JSON.parse(
    readFileSync(new URL('../../../shared/schemas/event.schema.json', import.meta.url), 'utf8'),
  ) as object;

  it('is the one generated from the code (run `npm run schema` after changing the event)', () => {
    expect(file).toEqual(eventJsonSchema());
  });

  it('agrees with the parser on valid and invalid events', () => {
    const validate = new Ajv2020({ strict: false }).compile(file);
    expect(validate({ target: 'a/b/c', batchId: 'b', images: 3 })).toBe(true);
    expect(validate({ product: 'a', model: 'b', version: 'c', batchId: 'b', images: 3 })).toBe(true);
    expect(validate({ target: 'a/b/c', batchId: 'b', images: 0 })).toBe(false);
    expect(validate({ batchId: 'b', images: 3 })).toBe(false);
    expect(
      validate({ target: 'a/b/c', product: 'a', model: 'b', version: 'c', batchId: 'b', images: 3 }),
    ).toBe(false);
  });
});
