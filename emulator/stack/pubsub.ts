/**
 * Pub/Sub plumbing of the stack on the emulator: a client bound to the emulator's host, the events
 * topic, and a push subscription whose endpoint is the prescale process. The Functions Framework
 * turns a push to `/projects/P/topics/T` into a `messagePublished` CloudEvent; a 2xx reply acks,
 * anything else is redelivered after the retry policy's backoff.
 */
import { PubSub, type Subscription, type Topic } from '@google-cloud/pubsub';

export const STACK_PROJECT = 'prescaler-local';
export const EVENTS_TOPIC = 'prescaler-events';
export const PUSH_SUBSCRIPTION = 'prescaler-prescale-push';

/** A client for the emulator at `host` (`127.0.0.1:port`), with no Google credentials involved. */
export function emulatorClient(host: string, projectId: string = STACK_PROJECT): PubSub {
  // Without this, google-auth-library probes for a GCE metadata server and prints warnings.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  return new PubSub({ projectId, apiEndpoint: host, emulatorMode: true });
}

/** The push endpoint that makes the Functions Framework build a Pub/Sub CloudEvent. */
export function pushEndpoint(functionUrl: string, projectId: string, topic: string): string {
  return `${functionUrl}/projects/${projectId}/topics/${topic}`;
}

export interface PushOptions {
  readonly topic: string;
  readonly subscription: string;
  readonly endpoint: string;
  /** Retry policy backoff bounds, seconds. */
  readonly minimumBackoffSeconds?: number;
  readonly maximumBackoffSeconds?: number;
  readonly ackDeadlineSeconds?: number;
}

export async function createPushSubscription(
  pubsub: PubSub,
  options: PushOptions,
): Promise<{ topic: Topic; subscription: Subscription }> {
  const [topic] = await pubsub.createTopic(options.topic);
  const [subscription] = await topic.createSubscription(options.subscription, {
    pushConfig: { pushEndpoint: options.endpoint },
    ackDeadlineSeconds: options.ackDeadlineSeconds ?? 10,
    retryPolicy: {
      minimumBackoff: { seconds: options.minimumBackoffSeconds ?? 1 },
      maximumBackoff: { seconds: options.maximumBackoffSeconds ?? 10 },
    },
  });
  return { topic, subscription };
}
