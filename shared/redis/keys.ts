/**
 * Every Redis key prescaler reads or writes, built in one place. All keys of one target share the
 * hash tag `{product/model/version}`, so each Lua script touches a single slot (safe on Redis
 * Cluster and Memorystore). Workers write three of them (see README "Progress contract"):
 *
 *   prefix:{T}:done     HASH  batchId -> images finished     (HINCRBY by workers)
 *   prefix:{T}:failed   HASH  batchId -> images failed       (HINCRBY by workers)
 *   prefix:{T}:pod:NAME STRING images in flight on pod NAME, with a TTL (the heartbeat)
 *
 * The rest belong to the functions:
 *   total      HASH  batchId -> images announced
 *   deadline   HASH  batchId -> absolute deadline (ms)
 *   seen       HASH  batchId -> "progress:ms" last time progress moved (staleness)
 *   retired    HASH  batchId -> total of a finished or expired batch (deduplicates redelivery)
 *   retiredAt  ZSET  batchId scored by retirement time (prunes `retired`)
 *   window     ZSET  "ms:replicas" recommendations of the stabilization window
 *   scaleIns   ZSET  "ms:from:to" scale-ins of the current policy period
 *   decisions  LIST  recent decisions as JSON, newest first
 */
/** The key prefix when none is configured (PRESCALER_KEY_PREFIX; Terraform's `key_prefix`). */
export const DEFAULT_KEY_PREFIX = 'prescaler';

/** Events rejected for good, when no rejects topic is configured (LIST, newest first). */
export function rejectedKey(prefix: string): string {
  return `${prefix}:rejected`;
}

export class TargetKeys {
  readonly tag: string;

  constructor(
    readonly prefix: string,
    readonly target: string,
  ) {
    this.tag = `${prefix}:{${target}}`;
  }

  get total(): string {
    return `${this.tag}:total`;
  }
  get done(): string {
    return `${this.tag}:done`;
  }
  get failed(): string {
    return `${this.tag}:failed`;
  }
  get deadline(): string {
    return `${this.tag}:deadline`;
  }
  get seen(): string {
    return `${this.tag}:seen`;
  }
  get retired(): string {
    return `${this.tag}:retired`;
  }
  get retiredAt(): string {
    return `${this.tag}:retiredAt`;
  }
  get window(): string {
    return `${this.tag}:window`;
  }
  get scaleIns(): string {
    return `${this.tag}:scaleIns`;
  }
  get decisions(): string {
    return `${this.tag}:decisions`;
  }

  /** The heartbeat of one pod (its name is the worker's HOSTNAME). */
  pod(name: string): string {
    return `${this.tag}:pod:${name}`;
  }

  /** The keys shared by the batch scripts, in their KEYS order. */
  get batchKeys(): string[] {
    return [this.total, this.done, this.failed, this.deadline, this.seen, this.retired, this.retiredAt];
  }
}
