/**
 * The progress contract for TypeScript workers: count finished and failed images per batch and
 * keep a heartbeat while holding work. Workers in other languages issue the same plain Redis
 * commands (see README "Progress contract").
 */
import type { Redis } from 'ioredis';
import { DEFAULT_KEY_PREFIX, TargetKeys } from './keys.js';

export const DEFAULT_HEARTBEAT_SECONDS = 30;

export class ProgressReporter {
  private readonly keys: TargetKeys;

  constructor(
    private readonly redis: Redis,
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
}
