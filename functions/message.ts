/**
 * The Pub/Sub message inside a delivered CloudEvent, taken as it comes: Eventarc sends
 * `{message: {data, attributes, messageId, publishTime}}` with strings, but the envelope is
 * input like any other. A field of another type must end as a reject of the event (permanent,
 * acknowledged), not as a TypeError that Pub/Sub would redeliver forever: data that is not a
 * string is kept as the base64 of its JSON (so the reject record shows what was sent and the
 * parser judges it), attribute values become strings, ids and times that are not strings are
 * dropped.
 */
import type { PubSubMessage } from './prescale.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function toPubSubMessage(value: unknown): PubSubMessage {
  if (!isObject(value)) return {};
  const { data, attributes, messageId, publishTime } = value;
  return {
    data:
      data === undefined || typeof data === 'string'
        ? data
        : Buffer.from(JSON.stringify(data) ?? '').toString('base64'),
    attributes: isObject(attributes)
      ? Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [
            k,
            typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
          ]),
        )
      : undefined,
    messageId: asString(messageId),
    publishTime: asString(publishTime),
  };
}
