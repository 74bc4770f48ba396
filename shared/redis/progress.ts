/**
 * The progress contract for TypeScript workers: count finished and failed images per batch and
 * keep a heartbeat while holding work: `heartbeat(n)` when one writer speaks for the whole pod,
 * `hold`/`release` when several processes of a pod hold work each. Workers in other languages
 * issue the same plain Redis commands (see README "Progress contract").
 *
 * The termination rule: on SIGTERM a worker takes no new images, finishes the ones it holds
 * (within the pod's terminationGracePeriodSeconds), reports them, and deletes its heartbeat.
 * `drainOnSigterm` wires that to a worker's own stop and drain functions.
 */
import type { RedisClient } from './client.js';
import { DEFAULT_KEY_PREFIX, holderMember, TargetKeys } from './keys.js';

export const DEFAULT_HEARTBEAT_SECONDS = 30;

/**
 * The progress contract, as data: the commands a worker sends and the keys it writes (patterns
 * over one target's keys). A worker's Redis ACL is built from this (acl.ts), so it follows the
 * contract when the contract changes.
 */
export const PROGRESS_CONTRACT = {
  commands: ['HINCRBY', 'SET', 'DEL', 'TIME', 'MULTI', 'EXEC', 'ZREMRANGEBYSCORE', 'ZADD', 'PEXPIRE', 'ZREM'],
  keys: (keys: TargetKeys): string[] => [keys.done, keys.failed, keys.pod('*'), keys.holders('*')],
} as const;

export class ProgressReporter {
  private readonly keys: TargetKeys;

  constructor(
    private readonly redis: RedisClient,
    target: string,
    /** This pod's name: the worker's HOSTNAME. */
    private readonly pod: string,
    prefix = DEFAULT_KEY_PREFIX,
    private readonly heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS,
  ) {
    this.keys = new TargetKeys(prefix, target);
  }

  /** `HINCRBY prefix:{target}:done batchId n` */
  async done(batchId: string, images = 1): Promise<void> {
    await this.redis.hincrby(this.keys.done, batchId, images);
  }

  /** `HINCRBY prefix:{target}:failed batchId n` */
  async failed(batchId: string, images = 1): Promise<void> {
    await this.redis.hincrby(this.keys.failed, batchId, images);
  }

  /**
   * `SET prefix:{target}:pod:HOSTNAME n EX ttl` while holding n images (refresh well within
   * the TTL), `DEL` when idle.
   */
  async heartbeat(inFlight: number): Promise<void> {
    if (inFlight > 0) await this.redis.set(this.keys.pod(this.pod), inFlight, 'EX', this.heartbeatSeconds);
    else await this.redis.del(this.keys.pod(this.pod));
  }

  /**
   * One holder's heartbeat, for pods where several processes hold work: `TIME`, then
   * `ZADD prefix:{target}:holders:HOSTNAME <now + ttl ms> holderId:n`, drop entries already
   * expired, `PEXPIRE` the set by the TTL. Call it again well within the TTL while holding.
   */
  async hold(holderId: string, images: number): Promise<void> {
    const key = this.keys.holders(this.pod);
    const member = holderMember(holderId, images);
    const [seconds, micros] = await this.redis.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const ttlMs = this.heartbeatSeconds * 1000;
    await this.redis
      .multi()
      .zremrangebyscore(key, '-inf', nowMs)
      .zadd(key, nowMs + ttlMs, member)
      .pexpire(key, ttlMs)
      .exec();
  }

  /** `ZREM prefix:{target}:holders:HOSTNAME holderId:n` when that holder has finished. */
  async release(holderId: string, images: number): Promise<void> {
    await this.redis.zrem(this.keys.holders(this.pod), holderMember(holderId, images));
  }
}

/** What a worker exposes for the termination rule. */
export interface Drainable {
  /** Take no new images from now on. */
  stopTaking(): void;
  /** Resolves once every image held has been finished and reported. */
  finishHeld(): Promise<void>;
}

/** The part of `process` the termination rule listens on. */
export interface SignalSource {
  once(signal: 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGTERM', listener: () => void): unknown;
}

/**
 * On SIGTERM: stop taking images, finish those held, then delete the heartbeat; `done` (if
 * given) runs last, e.g. to exit. Returns a function that removes the handler.
 */
export function drainOnSigterm(
  reporter: ProgressReporter,
  worker: Drainable,
  done?: (error?: unknown) => void,
  signals: SignalSource = process,
): () => void {
  const onTerm = () => {
    worker.stopTaking();
    void worker
      .finishHeld()
      .then(() => reporter.heartbeat(0))
      .then(
        () => done?.(),
        (error: unknown) => done?.(error),
      );
  };
  signals.once('SIGTERM', onTerm);
  return () => signals.off('SIGTERM', onTerm);
}
