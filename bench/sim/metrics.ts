/**
 * What the simulator measures, and against what.
 *
 * Ideal turnaround of a batch (a lower bound for a cold start): the batch arrives, capacity for
 * it is asked for at that instant, every pod it can use (maxReplicas) starts at once, and its
 * images go through in full rounds:
 *   ideal = startupSeconds + ceil(images / (maxReplicas * imagesPerReplica)) * secondsPerImage
 *   e.g. 400 images, max 50, 1 per replica, 30 s load, 5 s an image: 30 + ceil(400 / 50) * 5 = 70 s;
 *        40 images: 30 + ceil(40 / 50) * 5 = 35 s.
 * The ratio turnaround / ideal is reported per batch. Pods still up from earlier work can beat
 * the bound (ratio below 1); a batch queued behind another can exceed it for any policy.
 *
 * Percentiles interpolate linearly between the closest ranks (numpy's default), e.g. p95 of
 * 1..20 = 19.05.
 */
import type { TargetSpec } from '../../shared/config/registry.js';

export function idealSeconds(
  target: Pick<TargetSpec, 'startupSeconds' | 'secondsPerImage' | 'maxReplicas' | 'imagesPerReplica'>,
  images: number,
): number {
  const rounds = Math.ceil(images / (target.maxReplicas * target.imagesPerReplica));
  return (target.startupSeconds ?? 0) + rounds * (target.secondsPerImage ?? 0);
}

/** The p-th percentile (0..100) of the values, or NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (p < 0 || p > 100 || Number.isNaN(p)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (rank - low);
}

export interface BatchOutcome {
  readonly target: string;
  readonly batchId: string;
  readonly images: number;
  readonly arrivedSeconds: number;
  /** Arrival to last image done; undefined if the batch never finished. */
  readonly turnaroundSeconds: number | undefined;
  readonly idealSeconds: number;
}

export interface SeriesPoint {
  /** Seconds from the start. */
  readonly t: number;
  /** spec.replicas summed over the targets. */
  readonly replicas: number;
  /** Pods existing (starting ones included). */
  readonly pods: number;
  readonly ready: number;
  /** Images waiting in the backlogs. */
  readonly queued: number;
}

export interface SimResult {
  readonly workload: string;
  readonly policy: string;
  readonly label: string;
  readonly batches: readonly BatchOutcome[];
  /** Seconds charged: from 0 to the end of the run (the workload, a tail, and any overrun). */
  readonly endSeconds: number;
  readonly replicaSeconds: number;
  readonly interrupted: number;
  readonly scaleWrites: number;
  readonly annotationWrites: number;
  readonly peakPods: number;
  readonly series: readonly SeriesPoint[];
}

export interface Summary {
  readonly batches: number;
  readonly unfinished: number;
  readonly p50Seconds: number;
  readonly p95Seconds: number;
  readonly maxSeconds: number;
  readonly p50Ratio: number;
  readonly p95Ratio: number;
  readonly maxRatio: number;
  readonly replicaSeconds: number;
  readonly interrupted: number;
  readonly scaleWrites: number;
  readonly annotationWrites: number;
  readonly peakPods: number;
}

export function summarize(result: SimResult): Summary {
  const finished = result.batches.filter((b) => b.turnaroundSeconds !== undefined);
  const seconds = finished.map((b) => b.turnaroundSeconds as number);
  const ratios = finished.map((b) => (b.turnaroundSeconds as number) / b.idealSeconds);
  return {
    batches: result.batches.length,
    unfinished: result.batches.length - finished.length,
    p50Seconds: percentile(seconds, 50),
    p95Seconds: percentile(seconds, 95),
    maxSeconds: seconds.length > 0 ? Math.max(...seconds) : NaN,
    p50Ratio: percentile(ratios, 50),
    p95Ratio: percentile(ratios, 95),
    maxRatio: ratios.length > 0 ? Math.max(...ratios) : NaN,
    replicaSeconds: result.replicaSeconds,
    interrupted: result.interrupted,
    scaleWrites: result.scaleWrites,
    annotationWrites: result.annotationWrites,
    peakPods: result.peakPods,
  };
}
