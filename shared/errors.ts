/**
 * Named errors. Each says whether its fault is permanent (retrying cannot help: acknowledge,
 * record, tell a human how to fix it) or transient (throw, so Pub/Sub or the scheduler retries).
 */
export type FaultKind = 'permanent' | 'transient';

export abstract class PrescalerError extends Error {
  abstract readonly kind: FaultKind;
  /** A stable, machine-readable name of the fault, used in logs and metrics. */
  abstract readonly code: string;

  constructor(
    message: string,
    /** How to fix it, for a human reading the log line. */
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  get permanent(): boolean {
    return this.kind === 'permanent';
  }
}

/** The target registry or the settings are invalid. The process cannot serve until fixed. */
export class ConfigError extends PrescalerError {
  readonly kind = 'permanent';
  readonly code = 'config_invalid';
}

export const REJECT_REASONS = [
  'not_json',
  'schema_violation',
  'unknown_target',
  'too_many_images',
  'oversized_payload',
  'target_not_found',
  'forbidden',
  'invalid',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** An event that can never succeed as sent. It is acknowledged and recorded, never retried. */
export class EventRejected extends PrescalerError {
  readonly kind = 'permanent';

  constructor(
    readonly code: RejectReason,
    message: string,
    hint: string,
    readonly target?: string,
  ) {
    super(message, hint);
  }
}

/** Redis could not be reached or answered with an error. */
export class RedisUnavailable extends PrescalerError {
  readonly kind = 'transient';
  readonly code = 'redis_unavailable';
}

/**
 * A Kubernetes API call failed. 403, 404 and 422 are permanent (RBAC, a missing Deployment or
 * a bad value will not fix themselves); 409, 429, 5xx and network faults are transient.
 */
export class KubeApiError extends PrescalerError {
  readonly kind: FaultKind;
  readonly code: string;

  constructor(
    readonly status: number | undefined,
    readonly reason: string,
    message: string,
    hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, hint, options);
    this.kind =
      status === 403 || status === 404 || status === 422 || status === 400 ? 'permanent' : 'transient';
    this.code = `kube_${reason.toLowerCase() || 'unreachable'}`;
  }
}

/** Returns the fault kind of any thrown value; unknown errors count as transient. */
export function faultKind(error: unknown): FaultKind {
  return error instanceof PrescalerError ? error.kind : 'transient';
}

/** A rejected event could not be recorded; it must be redelivered so it is not lost. */
export class RejectNotRecorded extends PrescalerError {
  readonly kind = 'transient';
  readonly code = 'reject_not_recorded';
}
