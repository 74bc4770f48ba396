/**
 * A rejected event as a Pub/Sub message that always fits Pub/Sub's limits: at most 100
 * attributes, keys of at most 256 bytes (not starting with `goog`), values of at most 1024 bytes.
 * The prescaler attributes come first, their values cut at a UTF-8 character boundary. The
 * original attributes follow as they are while they fit; when any does not (too many, a key or
 * value too long, a reserved key), the message data becomes an envelope holding the original data
 * and every original attribute, and `prescaler-envelope` says so, so nothing is lost and replaying
 * is still possible.
 */
export const PUBSUB_LIMITS = { attributes: 100, keyBytes: 256, valueBytes: 1024 } as const;

export const REJECT_ATTRIBUTES = {
  reason: 'prescaler-reason',
  message: 'prescaler-message',
  target: 'prescaler-target',
  messageId: 'prescaler-original-message-id',
  envelope: 'prescaler-envelope',
} as const;

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

const fits = (key: string, value: string): boolean =>
  key.length > 0 &&
  !key.startsWith('goog') &&
  Buffer.byteLength(key, 'utf8') <= PUBSUB_LIMITS.keyBytes &&
  Buffer.byteLength(value, 'utf8') <= PUBSUB_LIMITS.valueBytes;

export interface RejectMessageInput {
  readonly reason: string;
  readonly message: string;
  readonly target?: string | undefined;
  readonly messageId?: string | undefined;
  /** The original data, base64. */
  readonly data: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface RejectMessage {
  readonly data: Buffer;
  readonly attributes: Record<string, string>;
  /** True when the original data and attributes travel in an envelope in the data. */
  readonly enveloped: boolean;
}

/** Builds the message published to the rejects topic for a rejected event. */
export function rejectMessage(input: RejectMessageInput): RejectMessage {
  const ours: Record<string, string> = {
    [REJECT_ATTRIBUTES.reason]: truncateUtf8(input.reason, PUBSUB_LIMITS.valueBytes),
    [REJECT_ATTRIBUTES.message]: truncateUtf8(input.message, PUBSUB_LIMITS.valueBytes),
    ...(input.target
      ? { [REJECT_ATTRIBUTES.target]: truncateUtf8(input.target, PUBSUB_LIMITS.valueBytes) }
      : {}),
    ...(input.messageId
      ? { [REJECT_ATTRIBUTES.messageId]: truncateUtf8(input.messageId, PUBSUB_LIMITS.valueBytes) }
      : {}),
  };
  const original = Object.entries(input.attributes).filter(([key]) => !(key in ours));
  // One place is kept for the envelope marker.
  const room = PUBSUB_LIMITS.attributes - Object.keys(ours).length - 1;
  const allFit =
    original.length <= room &&
    original.every(([key, value]) => typeof value === 'string' && fits(key, value)) &&
    original.length === Object.keys(input.attributes).length;
  if (allFit) {
    return {
      data: Buffer.from(input.data, 'base64'),
      attributes: { ...Object.fromEntries(original), ...ours },
      enveloped: false,
    };
  }
  const envelope = { data: input.data, attributes: input.attributes };
  return {
    data: Buffer.from(JSON.stringify(envelope)),
    attributes: {
      ...ours,
      [REJECT_ATTRIBUTES.envelope]: 'data is {"data": original base64, "attributes": {...}}',
    },
    enveloped: true,
  };
}
