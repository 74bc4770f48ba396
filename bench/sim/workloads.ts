/**
 * The built-in workloads, all drawn from a seed, for the reference target: TF Serving ResNet-101
 * (and the Celery worker of the same shape), 1 image per replica, model load 30 s, 5 s an
 * image, at most 50 replicas. The registry goes through `parseRegistry`, so the scale-in
 * settings are the registry's defaults, as a user who does not set them gets.
 */
import { parseRegistry, type Registry } from '../../shared/config/registry.js';
import { integer, stream, uniform } from './random.js';
import type { Batch, Workload } from './workload.js';

export const REFERENCE_TARGET = 'acme/resnet101/v1';

/** The reference target; `over` replaces top-level settings (the tests use it for other shapes). */
export function benchRegistry(over: Record<string, unknown> = {}): Registry {
  return parseRegistry({
    targets: {
      [REFERENCE_TARGET]: {
        cluster: { project: 'my-project', location: 'europe-west1', name: 'ml' },
        namespace: 'tf-serving',
        deployment: 'image-classifier-resnet101',
        imagesPerReplica: 1,
        minReplicas: 0,
        maxReplicas: 50,
        startupSeconds: 30,
        secondsPerImage: 5,
        ...over,
      },
    },
  });
}

const HOUR = 3600;

interface Shape {
  readonly name: string;
  readonly description: string;
  /** First arrival, then the gap to each next one, seconds: [min, max) drawn uniformly. */
  readonly first: readonly [number, number];
  readonly gap: readonly [number, number];
  /** Images per batch: [min, max] drawn uniformly. */
  readonly images: readonly [number, number];
}

function draw(shape: Shape, seed: number, target: string): Workload {
  const random = stream(seed, shape.name);
  const batches: Batch[] = [];
  for (let t = uniform(random, ...shape.first); t < HOUR; t += uniform(random, ...shape.gap)) {
    batches.push({
      target,
      batchId: `${shape.name}-${batches.length + 1}`,
      atSeconds: round(t),
      images: integer(random, ...shape.images),
    });
  }
  return { name: shape.name, description: shape.description, batches, durationSeconds: HOUR };
}

/**
 * The built-in shapes:
 * - burst: 40 to 400 images, the next burst 90 to 360 s after the previous (seeded, uniform):
 *   about 16 bursts an hour. At 50 replicas a 400-image burst needs 70 s from a cold start, so
 *   an autoscaler that keeps up sees idle gaps between bursts.
 * - trickle: 1 to 4 images every 2 to 8 s for an hour (about 0.5 images a second).
 * - idle: long idle gaps: a batch of 100 to 300 images, then 15 to 25 minutes of nothing.
 */
const SHAPES = {
  burst: {
    description: 'bursts of 40-400 images every 90-360 s for an hour',
    first: [30, 120],
    gap: [90, 360],
    images: [40, 400],
  },
  trickle: { description: '1-4 images every 2-8 s for an hour', first: [0, 8], gap: [2, 8], images: [1, 4] },
  idle: {
    description: '100-300 images, then 15-25 min idle, for an hour',
    first: [30, 120],
    gap: [900, 1500],
    images: [100, 300],
  },
} as const satisfies Record<string, Omit<Shape, 'name'>>;

const drawn =
  (name: keyof typeof SHAPES) =>
  (seed: number, target = REFERENCE_TARGET): Workload =>
    draw({ name, ...SHAPES[name] }, seed, target);

export const burstWorkload = drawn('burst');
export const trickleWorkload = drawn('trickle');
export const idleWorkload = drawn('idle');

/**
 * Bursts of a chosen size and spacing, for the sweeps: images and gap drawn within +-20 % of the
 * given values, e.g. 100 images every 240 s -> 80-120 images every 192-288 s, for an hour.
 */
export function burstsOf(
  seed: number,
  images: number,
  gapSeconds: number,
  target = REFERENCE_TARGET,
): Workload {
  const low = Math.max(1, Math.round(images * 0.8));
  const high = Math.round(images * 1.2);
  const gap = [gapSeconds * 0.8, gapSeconds * 1.2] as const;
  const description = `bursts of ${low}-${high} images every ${Math.round(gap[0])}-${Math.round(gap[1])} s for an hour`;
  return draw({ name: 'burst', description, first: [30, 120], gap, images: [low, high] }, seed, target);
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export const WORKLOADS = { burst: burstWorkload, trickle: trickleWorkload, idle: idleWorkload } as const;
export type WorkloadName = keyof typeof WORKLOADS;
export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as WorkloadName[];
export function isWorkloadName(name: string): name is WorkloadName {
  return Object.hasOwn(WORKLOADS, name);
}
