/**
 * The progress contract for TypeScript workers: count finished and failed images per batch and
 * keep a heartbeat while holding work. Workers in other languages issue the same plain Redis
 * commands (see README "Progress contract").
 */
import type { RedisClient } from './client.js';
import { TargetKeys } from './keys.js';

export const DEFAULT_HEARTBEAT_SECONDS = 30;

/**
 * The progress contract, as data: the commands a worker sends and the keys it writes (patterns
 * over one target's keys). A worker's Redis ACL is built from this (acl.ts), so it follows the
 * contract when the contract changes.
 */
export const PROGRESS_CONTRACT = {
  commands: ['HINCRBY', 'SET', 'DEL'],
  keys: (keys: TargetKeys): string[] => [keys.done, keys.failed, keys.pod('*')],
} as const;

export class ProgressReporter {
  private readonly keys: TargetKeys;

  constructor(
    private readonly redis: RedisClient,
    target: string,
    /** This pod's name: the worker's HOSTNAME. */
    private readonly pod: string,
    prefix = 'prescaler',
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
}
