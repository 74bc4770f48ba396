/**
 * The `prescale` function: an "N images incoming" event becomes capacity at once. It registers
 * the batch in the ledger (idempotent under at-least-once delivery), sizes the target from all
 * its outstanding work, and raises the Deployment through the scale subresource.
 *
 * Faults: a bad event (not JSON, schema, unknown target, over the ceiling, 403/404 from the API)
 * is logged, recorded in the reject sink and acknowledged. A transient fault throws so Pub/Sub
 * redelivers; when Redis is down the Deployment is first scaled from the event alone.
 */
import {
  EventRejected,
  KubeApiError,
  PrescalerError,
  RedisUnavailable,
  type RejectReason,
} from '../shared/errors.js';
import { parseEvent, type IncomingEvent } from '../shared/event.js';
import { ScaleUpCoalescer } from '../shared/kube/coalesce.js';
import { withRedis, type RedisClient } from '../shared/redis/client.js';
import type { RegisterStatus } from '../shared/redis/ledger.js';
import type { RejectSink } from '../shared/rejects.js';
import { sizeFor, type WorkSummary } from '../shared/sizing.js';
import type { FunctionDeps } from './deps.js';

export interface PubSubMessage {
  /** base64 */
  readonly data?: string | undefined;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  readonly messageId?: string | undefined;
  readonly publishTime?: string | undefined;
}

export interface PrescaleDeps extends FunctionDeps {
  readonly rejects: RejectSink;
  /** Shares scale-up rounds between concurrent events of one target (default: one per process). */
  readonly coalescer?: ScaleUpCoalescer;
}

const instanceCoalescer = new ScaleUpCoalescer();

export type PrescaleOutcome =
  | {
      readonly kind: 'scaled';
      readonly from: number;
      readonly to: number;
      readonly written: boolean;
      readonly status: RegisterStatus | 'unrecorded';
    }
  | { readonly kind: 'rejected'; readonly reason: RejectReason };

function reject(reason: RejectReason, message: string, hint: string, target?: string): EventRejected {
  return new EventRejected(reason, message, hint, target);
}

/** Checks the event against the registry and the configured ceiling. */
function admit(deps: PrescaleDeps, event: IncomingEvent) {
  const target = deps.settings.registry.get(event.target);
  if (!target) {
    const known = deps.settings.registry.names.slice(0, 10).join(', ');
    throw reject(
      'unknown_target',
      `target "${event.target}" is not registered`,
      `use one of: ${known}; or add it to the registry`,
      event.target,
    );
  }
  if (event.images > deps.settings.maxImagesPerEvent) {
    throw reject(
      'too_many_images',
      `images = ${event.images} is above the ceiling of ${deps.settings.maxImagesPerEvent} per event`,
      'split the batch, or raise PRESCALER_MAX_IMAGES_PER_EVENT if this size is real',
      event.target,
    );
  }
  return target;
}

export async function handlePrescale(deps: PrescaleDeps, message: PubSubMessage): Promise<PrescaleOutcome> {
  const started = deps.clock.now();
  const data = message.data ?? '';
  let event: IncomingEvent | undefined;
  try {
    event = parseEvent(Buffer.from(data, 'base64'));
    const target = admit(deps, event);
    const publishedMs = message.publishTime ? Date.parse(message.publishTime) : started;
    const deadlineMs = event.deadlineSeconds ? publishedMs + event.deadlineSeconds * 1000 : undefined;
    const batch = { batchId: event.batchId, images: event.images, deadlineMs };

    let work: WorkSummary;
    let status: RegisterStatus | 'unrecorded';
    let redisDown: RedisUnavailable | undefined;
    try {
      const registration = await withRedis(deps.redis, async (redis) => {
        const registered = await deps.ledger.register(redis, target.name, batch, started);
        await confirmReplicated(deps, redis, target.name);
        return registered;
      });
      work = registration.work;
      status = registration.status;
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
      // Availability before bookkeeping: scale for this batch alone, then have it redelivered.
      redisDown = error;
      status = 'unrecorded';
      work = {
        outstanding: event.images,
        openBatches: 1,
        deadlines: deadlineMs ? [{ outstanding: event.images, deadlineMs }] : [],
      };
    }

    const sizing = sizeFor(target, work, started);
    const api = await deps.clusters.apiFor(target.cluster);
    const result = await (deps.coalescer ?? instanceCoalescer).scaleUp(
      target.name,
      api,
      target,
      sizing.replicas,
    );
    const latencyMs = deps.clock.now() - started;
    const decision = {
      event: 'prescale',
      target: target.name,
      batchId: event.batchId,
      images: event.images,
      batch: status,
      outstanding: work.outstanding,
      from: result.from,
      to: result.to,
      desired: sizing.replicas,
      written: result.written,
      reason: result.written ? sizing.reason : `${sizing.reason}; already at ${result.from}`,
      latencyMs,
    };
    deps.logger.log(
      'INFO',
      result.written
        ? `scaled ${target.name} ${result.from} -> ${result.to}`
        : `${target.name} already has ${result.from}`,
      decision,
    );

    if (redisDown) {
      deps.logger.log(
        'WARNING',
        'batch not recorded: Redis is down; scaled from the event alone, asking for redelivery',
        {
          event: 'prescale_unrecorded',
          target: target.name,
          batchId: event.batchId,
          error: redisDown.message,
        },
      );
      throw redisDown;
    }
    if (status !== 'duplicate') {
      await withRedis(deps.redis, (redis) =>
        deps.ledger.record(redis, target.name, {
          nowMs: started,
          // Reconcile's stabilization window must see this need, or it could scale in pods that
          // are still starting for this very batch.
          recommended: sizing.replicas,
          from: result.from,
          to: result.to,
          decision: { ...decision, at: new Date(started).toISOString() },
        }),
      ).catch((error: unknown) =>
        deps.logger.log('WARNING', `decision not recorded: ${(error as Error).message}`, {
          event: 'prescale_unrecorded_decision',
          target: target.name,
          batchId: event?.batchId,
        }),
      );
    }
    return { kind: 'scaled', from: result.from, to: result.to, written: result.written, status };
  } catch (error) {
    const rejected = asRejection(error, event);
    if (!rejected) {
      const fault = error instanceof PrescalerError ? error : undefined;
      deps.logger.log('ERROR', `prescale failed, will be retried: ${(error as Error).message}`, {
        event: 'prescale_failed',
        target: event?.target,
        batchId: event?.batchId,
        code: fault?.code ?? 'unexpected',
        hint: fault?.hint,
        latencyMs: deps.clock.now() - started,
      });
      throw error;
    }
    await deps.rejects.record({
      reason: rejected.code,
      message: rejected.message,
      hint: rejected.hint ?? '',
      target: rejected.target ?? event?.target,
      batchId: event?.batchId,
      messageId: message.messageId,
      publishTime: message.publishTime,
      data,
      attributes: message.attributes ?? {},
      rejectedAt: new Date(deps.clock.now()).toISOString(),
    });
    deps.logger.log('ERROR', `event rejected: ${rejected.message}`, {
      event: 'rejected',
      reason: rejected.code,
      target: rejected.target ?? event?.target,
      batchId: event?.batchId,
      messageId: message.messageId,
      why: rejected.message,
      fix: rejected.hint,
      recordedIn: deps.rejects.where,
    });
    return { kind: 'rejected', reason: rejected.code };
  }
}

/**
 * With REDIS_WAIT_REPLICAS set (replicated deployments), a registration counts only once that
 * many replicas hold it: a failover can then not lose an acknowledged batch. When they do not
 * confirm in time the event is redelivered (transient), and registering again is idempotent.
 */
async function confirmReplicated(deps: PrescaleDeps, redis: RedisClient, target: string): Promise<void> {
  const wanted = deps.settings.redis.waitReplicas ?? 0;
  if (wanted === 0) return;
  const timeoutMs = deps.settings.redis.waitTimeoutMs ?? 1000;
  const confirmed = await deps.ledger.confirm(redis, target, wanted, timeoutMs);
  if (confirmed < wanted) {
    throw new RedisUnavailable(
      `registration confirmed by ${confirmed} of ${wanted} replica(s) within ${timeoutMs} ms`,
      'check the Redis replicas (REDIS_WAIT_REPLICAS); the event is redelivered',
    );
  }
}

/** Permanent faults become rejections; everything else is retried. */
function asRejection(error: unknown, event: IncomingEvent | undefined): EventRejected | undefined {
  if (error instanceof EventRejected) return error;
  if (error instanceof KubeApiError && error.permanent) {
    const reason: RejectReason =
      error.status === 403 ? 'forbidden' : error.status === 404 ? 'target_not_found' : 'invalid';
    return reject(reason, error.message, error.hint ?? 'fix the target registry or the RBAC', event?.target);
  }
  return undefined;
}
