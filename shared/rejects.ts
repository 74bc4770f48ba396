/**
 * Where permanently rejected events go, so nothing is dropped silently: a Pub/Sub topic
 * (PRESCALER_REJECTS_TOPIC, with a retained subscription an operator pulls and replays from) or,
 * when no topic is configured (local use), a capped Redis list `prefix:rejected`. Each record
 * carries the original data and attributes, so replaying is republishing it after the fix.
 */
import type { RejectReason } from './errors.js';
import { RejectNotRecorded } from './errors.js';
import { withRedis, type RedisHandle } from './redis/client.js';
import { rejectedKey } from './redis/keys.js';

export interface RejectedEvent {
  readonly reason: RejectReason;
  readonly message: string;
  readonly hint: string;
  readonly target?: string | undefined;
  readonly batchId?: string | undefined;
  readonly messageId?: string | undefined;
  readonly publishTime?: string | undefined;
  /** The original message data, base64. */
  readonly data: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly rejectedAt: string;
}

export interface RejectSink {
  /** Throws a transient error when the record cannot be kept (the event is then redelivered). */
  record(event: RejectedEvent): Promise<void>;
  readonly where: string;
}

export const REJECTS_KEPT = 1000;

export class RedisRejectSink implements RejectSink {
  readonly where: string;

  constructor(
    private readonly redis: RedisHandle,
    private readonly prefix: string,
  ) {
    this.where = `redis list ${rejectedKey(prefix)}`;
  }

  async record(event: RejectedEvent): Promise<void> {
    await withRedis(this.redis, async (redis) => {
      await redis
        .multi()
        .lpush(rejectedKey(this.prefix), JSON.stringify(event))
        .ltrim(rejectedKey(this.prefix), 0, REJECTS_KEPT - 1)
        .exec();
    });
  }
}

export class PubSubRejectSink implements RejectSink {
  readonly where: string;
  private topic:
    | Promise<{
        publishMessage(message: { data: Buffer; attributes: Record<string, string> }): Promise<string>;
      }>
    | undefined;

  constructor(private readonly topicName: string) {
    this.where = `pubsub topic ${topicName}`;
  }

  async record(event: RejectedEvent): Promise<void> {
    this.topic ??= import('@google-cloud/pubsub').then(({ PubSub }) => new PubSub().topic(this.topicName));
    try {
      const topic = await this.topic;
      await topic.publishMessage({
        data: Buffer.from(event.data, 'base64'),
        attributes: {
          ...event.attributes,
          'prescaler-reason': event.reason,
          'prescaler-message': event.message.slice(0, 1000),
          ...(event.target ? { 'prescaler-target': event.target } : {}),
          ...(event.messageId ? { 'prescaler-original-message-id': event.messageId } : {}),
        },
      });
    } catch (error) {
      throw new RejectNotRecorded(
        `cannot record the rejected event on ${this.where}: ${(error as Error).message}`,
        'check the topic and the publisher role',
        { cause: error },
      );
    }
  }
}
