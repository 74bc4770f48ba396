/**
 * The "N images incoming" event the upstream pipeline publishes to Pub/Sub, as UTF-8 JSON:
 *   {"target": "product/model/version", "batchId": "b-42", "images": 400, "deadlineSeconds": 600}
 * `target` may instead be given as `product`, `model` and `version` fields. The JSON Schema users
 * validate against is generated from this module into shared/schemas/event.schema.json.
 */
import { z } from 'zod';
import { EventRejected } from './errors.js';
import { describeIssue, intRange } from './config/validation.js';

/** Larger payloads are refused before parsing. */
export const MAX_EVENT_BYTES = 16 * 1024;

/** What a batch id may be: 1-200 letters, digits or ._:@/- starting with a letter or digit. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;

const segment = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: 'must be 1-63 letters, digits, ".", "_" or "-"' });

export const eventSchema = z
  .object({
    target: z.string().min(1).max(200).optional().describe('"product/model/version" of a registered target'),
    product: segment.optional(),
    model: segment.optional(),
    version: segment.optional(),
    batchId: z
      .string()
      .regex(BATCH_ID_PATTERN, {
        error: 'must be 1-200 letters, digits or ._:@/- starting with a letter or digit',
      })
      .describe('Identifies the batch; the same batch sent again changes nothing'),
    images: z
      .number({ error: 'must be an integer of at least 1' })
      .int({ error: 'must be an integer of at least 1' })
      .min(1, { error: 'must be an integer of at least 1' })
      .describe('How many images are coming in this batch'),
    deadlineSeconds: intRange(1, 7 * 86_400)
      .optional()
      .describe('Seconds from publishing by which the batch should be finished'),
  })
  .meta({
    $id: 'https://prescaler.dev/schemas/event.schema.json',
    title: 'prescaler images-incoming event',
    description: 'Published to Pub/Sub before a batch of images reaches the model servers.',
  });

export interface IncomingEvent {
  readonly target: string;
  readonly batchId: string;
  readonly images: number;
  readonly deadlineSeconds?: number;
}

const HINT = 'publish {"target": "product/model/version", "batchId": "<id>", "images": <integer >= 1>}';

/** Parses and validates raw message bytes. Throws EventRejected (permanent) on any fault. */
export function parseEvent(data: Uint8Array): IncomingEvent {
  if (data.byteLength > MAX_EVENT_BYTES) {
    throw new EventRejected(
      'oversized_payload',
      `event is ${data.byteLength} bytes; the limit is ${MAX_EVENT_BYTES}`,
      'send only the batch announcement, not the images themselves',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (error) {
    throw new EventRejected('not_json', `event data is not UTF-8 JSON: ${(error as Error).message}`, HINT);
  }
  const result = eventSchema.safeParse(json, { reportInput: true });
  if (!result.success) {
    throw new EventRejected(
      'schema_violation',
      `event does not match the schema: ${result.error.issues.map((i) => describeIssue(i)).join('; ')}`,
      HINT,
    );
  }
  const { target, product, model, version, batchId, images, deadlineSeconds } = result.data;
  const parts = [product, model, version];
  const anyPart = parts.some((p) => p !== undefined);
  if (target !== undefined && anyPart) {
    throw new EventRejected(
      'schema_violation',
      'event gives both "target" and "product"/"model"/"version"',
      'give either "target" or the three fields, not both',
    );
  }
  if (target === undefined && !parts.every((p) => p !== undefined)) {
    throw new EventRejected(
      'schema_violation',
      `event names no complete target (missing ${['product', 'model', 'version'].filter((_, i) => parts[i] === undefined).join(', ')})`,
      HINT,
    );
  }
  return {
    target: target ?? parts.join('/'),
    batchId,
    images,
    ...(deadlineSeconds !== undefined ? { deadlineSeconds } : {}),
  };
}

/** The JSON Schema document shipped in shared/schemas/event.schema.json. */
export function eventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(eventSchema, { io: 'input' }) as Record<string, unknown>;
  return {
    ...schema,
    anyOf: [{ required: ['target'] }, { required: ['product', 'model', 'version'] }],
    not: { required: ['target', 'product'] },
  };
}
