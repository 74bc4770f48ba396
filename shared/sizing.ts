/**
 * How many replicas the outstanding work of a target needs. Pure: a function of the work, the
 * target's settings and the time, returning the count and the reason for it.
 *
 * Base rule: one slot per outstanding image, imagesPerReplica slots per replica:
 *   desired = clamp(ceil(outstanding / imagesPerReplica), minReplicas, maxReplicas)
 *   e.g. 400 images at 4 per replica -> 100 replicas, clamped to maxReplicas 50 -> 50.
 *
 * Deadlines: a batch with a deadline does not need all its images in flight at once, only
 * enough throughput to finish in time. With startupSeconds S and secondsPerImage P, a replica
 * started now can run floor((deadline - now - S) / P) rounds of imagesPerReplica images.
 *   e.g. 400 images, 4 per replica, S = 30 s, P = 5 s, deadline in 130 s:
 *        rounds = floor((130 - 30) / 5) = 20, replicas = ceil(400 / (4 * 20)) = 5 instead of 100.
 * Work without a deadline still needs a slot per image; the needs add up and never exceed the
 * base rule (more replicas than images in flight cannot finish sooner). A deadline that cannot
 * be met even by starting now counts as "as soon as possible" (the base rule).
 */
import type { TargetSpec } from './config/registry.js';

export interface DeadlineWork {
  /** Unfinished images of one batch that has a deadline. */
  readonly outstanding: number;
  /** Absolute deadline, milliseconds since the epoch. */
  readonly deadlineMs: number;
}

export interface WorkSummary {
  /** Unfinished images of all open batches of the target (deadline batches included). */
  readonly outstanding: number;
  readonly openBatches: number;
  /** The open batches that carry a deadline. */
  readonly deadlines: readonly DeadlineWork[];
}

export const NO_WORK: WorkSummary = { outstanding: 0, openBatches: 0, deadlines: [] };

export type SizingTarget = Pick<
  TargetSpec,
  'imagesPerReplica' | 'minReplicas' | 'maxReplicas' | 'startupSeconds' | 'secondsPerImage'
>;

export interface Sizing {
  /** The replica count to run, within [minReplicas, maxReplicas]. */
  readonly replicas: number;
  /** The count before clamping to the bounds. */
  readonly needed: number;
  readonly reason: string;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function deadlineNeed(target: SizingTarget, work: WorkSummary, nowMs: number): number | undefined {
  const { startupSeconds, secondsPerImage, imagesPerReplica } = target;
  if (work.deadlines.length === 0 || startupSeconds === undefined || secondsPerImage === undefined) {
    return undefined;
  }
  const withDeadline = work.deadlines.reduce((sum, d) => sum + d.outstanding, 0);
  let replicas = Math.max(0, work.outstanding - withDeadline) / imagesPerReplica;
  for (const { outstanding, deadlineMs } of work.deadlines) {
    const rounds = Math.floor(((deadlineMs - nowMs) / 1000 - startupSeconds) / secondsPerImage);
    replicas += outstanding / (imagesPerReplica * Math.max(1, rounds));
  }
  // Guard against 2.0000000001 from float sums turning into 3 replicas.
  return Math.ceil(replicas - 1e-9);
}

export function sizeFor(target: SizingTarget, work: WorkSummary, nowMs: number): Sizing {
  const outstanding = Math.max(0, work.outstanding);
  const slots = Math.ceil(outstanding / target.imagesPerReplica);
  const byDeadline = deadlineNeed(target, work, nowMs);
  const needed = byDeadline === undefined ? slots : Math.min(slots, byDeadline);
  const replicas = clamp(needed, target.minReplicas, target.maxReplicas);

  let reason = `${outstanding} image${outstanding === 1 ? '' : 's'} outstanding at ${target.imagesPerReplica} per replica`;
  if (byDeadline !== undefined && byDeadline < slots)
    reason += `; deadlines need ${byDeadline}, not ${slots}`;
  if (needed > target.maxReplicas) reason += `; capped at maxReplicas ${target.maxReplicas}`;
  if (needed < target.minReplicas) reason += `; raised to minReplicas ${target.minReplicas}`;
  return { replicas, needed, reason };
}
