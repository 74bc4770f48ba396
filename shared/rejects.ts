/**
 * Where permanently rejected events go, so nothing is dropped silently: a Pub/Sub topic
 * (PRESCALER_REJECTS_TOPIC, with a retained subscription an operator pulls and replays from) or,
 * when no topic is configured (local use), a capped Redis list `prefix:rejected`. Each record
 * carries the original data and attributes, so replaying is republishing it after the fix. The
 * message always fits Pub/Sub's limits (reject-message.ts); one that still cannot be published
 * goes to the Redis list, with an ERROR line, so a reject is never redelivered forever.
 */
import type { RejectReason } from './errors.js';
import { RejectNotRecorded } from './errors.js';
import { withRedis, type RedisHandle } from './redis/client.js';
import { rejectedKey } from './redis/keys.js';
import type { Logger } from './log.js';
import { rejectMessage } from './reject-message.js';

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

export interface PubSubRejectSinkOptions {
  /** Where a reject goes when it cannot be published (the Redis list), so it is never retried forever. */
  readonly fallback?: RejectSink;
  readonly logger?: Logger;
}

export class PubSubRejectSink implements RejectSink {
  readonly where: string;
  private topic:
    | Promise<{
        publishMessage(message: { data: Buffer; attributes: Record<string, string> }): Promise<string>;
      }>
    | undefined;

  constructor(
    private readonly topicName: string,
    private readonly options: PubSubRejectSinkOptions = {},
  ) {
    this.where = `pubsub topic ${topicName}`;
  }

  async record(event: RejectedEvent): Promise<void> {
    this.topic ??= import('@google-cloud/pubsub').then(({ PubSub }) => new PubSub().topic(this.topicName));
    try {
      const topic = await this.topic;
      await topic.publishMessage(rejectMessage(event));
    } catch (error) {
      const { fallback, logger } = this.options;
      const why = `cannot record the rejected event on ${this.where}: ${(error as Error).message}`;
      if (!fallback) {
        throw new RejectNotRecorded(why, 'check the topic and the publisher role', { cause: error });
      }
      // Throws RejectNotRecorded (transient) only when the fallback fails too.
      await fallback.record(event);
      logger?.log('ERROR', `${why}; kept in ${fallback.where} instead`, {
        event: 'reject_fallback',
        reason: event.reason,
        target: event.target,
        messageId: event.messageId,
        recordedIn: fallback.where,
        hint: 'check the rejects topic and the publisher role; replay the entry from the Redis list',
      });
    }
  }
}
