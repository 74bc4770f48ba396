/**
 * Every Redis key prescaler reads or writes, built in one place. All keys of one target share the
 * hash tag `{product/model/version}`, so each Lua script touches a single slot (safe on Redis
 * Cluster and Memorystore). Workers write three of them (see README "Progress contract"):
 *
 *   prefix:{T}:done     HASH  batchId -> images finished     (HINCRBY by workers)
 *   prefix:{T}:failed   HASH  batchId -> images failed       (HINCRBY by workers)
 *   prefix:{T}:pod:NAME STRING images in flight on pod NAME, with a TTL (the heartbeat)
 *   prefix:{T}:holders:NAME ZSET "holderId:n" scored by expiry (ms, Redis server clock): the
 *                       heartbeat of one of several processes of pod NAME (see holderMember)
 *
 * The rest belong to the functions:
 *   total      HASH  batchId -> images announced
 *   deadline   HASH  batchId -> absolute deadline (ms)
 *   seen       HASH  batchId -> "progress:ms" last time progress moved (staleness)
 *   retired    HASH  batchId -> total of a finished or expired batch (deduplicates redelivery)
 *   retiredAt  ZSET  batchId scored by retirement time (prunes `retired`)
 *   expired    HASH  batchId -> progress of an expired batch (re-opened if announced again)
 *   gen        STRING generation, bumped by every registration that adds work (the fence)
 *   active     STRING last time (ms) the target made progress or was found without Ready pods
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

/** Reconcile passes started (INCR): rotates where each pass starts in the target list. */
export function passKey(prefix: string): string {
  return `${prefix}:passes`;
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
  get expired(): string {
    return `${this.tag}:expired`;
  }
  get gen(): string {
    return `${this.tag}:gen`;
  }
  get active(): string {
    return `${this.tag}:active`;
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

  /** The holders of one pod: each process holding work keeps its own entry fresh. */
  holders(name: string): string {
    return `${this.tag}:holders:${name}`;
  }

  /** The keys shared by the batch scripts, in their KEYS order. */
  get batchKeys(): string[] {
    return [
      this.total,
      this.done,
      this.failed,
      this.deadline,
      this.seen,
      this.retired,
      this.retiredAt,
      this.expired,
      this.gen,
      this.active,
    ];
  }
}

/**
 * A holder entry of `holders(pod)`: `<holderId>:<images>`. The holder id must not contain ':';
 * the entry's score is its expiry in ms by the Redis server's clock (`TIME`).
 */
export function holderMember(holderId: string, images: number): string {
  if (holderId === '' || holderId.includes(':')) {
    throw new RangeError(`holder id "${holderId}": must be non-empty and contain no ':'`);
  }
  if (!Number.isInteger(images) || images < 1) {
    throw new RangeError(`holder "${holderId}" holds ${images} images: must be a whole number of at least 1`);
  }
  return `${holderId}:${images}`;
}
