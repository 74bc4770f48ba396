/**
 * Policy: the custom autoscaler that reads a scaling number from Redis (the K8S custom
 * autoscaler system). The pipeline knows at its start how many images are coming and writes a
 * replica count linearly from it, lowering it as analyses finish; a cron loop reads the key every
 * `pollSeconds` and runs `kubectl scale --replicas=<number>`. The ReplicaSet picks the pods to
 * remove (there is no way to tell it which), and a failed `kubectl scale` is retried with a
 * growing gap.
 * - number = clamp(ceil(outstanding / imagesPerReplica), minReplicas, maxReplicas), where
 *   outstanding is what the pipeline announced and has not finished, e.g. 400 images at 1 per
 *   replica, max 50 -> 50; 12 left -> 12.
 * - poll every 30 s (the seed names a scaling cron but not its period; 30 s, KEDA's polling
 *   default, is taken here); a write that fails is retried after 5, 10, 20, 40 s (doubling), then
 *   given up until the next poll. The simulated API does not fail unless `failureRate` is set.
 */
import type { DeploymentView, PolicyKind } from '../policy.js';
import { uniform } from '../random.js';

export const CRON_POLL_SECONDS = 30;
export const CRON_RETRY_SECONDS: readonly number[] = [5, 10, 20, 40];

export interface CronRedisOptions {
  readonly pollSeconds?: number;
  /** Chance that one `kubectl scale` fails (0 in the comparisons). */
  readonly failureRate?: number;
}

/** The scaling number the pipeline keeps in Redis for the work it knows of. */
export function scalingNumber(
  target: { readonly imagesPerReplica: number; readonly minReplicas: number; readonly maxReplicas: number },
  outstanding: number,
): number {
  const wanted = Math.ceil(outstanding / target.imagesPerReplica);
  return Math.min(target.maxReplicas, Math.max(target.minReplicas, wanted));
}

export function cronRedisPolicy(options: CronRedisOptions = {}): PolicyKind {
  const every = options.pollSeconds ?? CRON_POLL_SECONDS;
  const failureRate = options.failureRate ?? 0;
  return {
    name: 'cron-redis',
    label: `Redis number + kubectl scale cron: poll ${every} s, retries after ${CRON_RETRY_SECONDS.join(', ')} s, ReplicaSet picks victims`,
    create(target, random) {
      /** A pending retry: when, and which attempt it is (1 = first retry). */
      let retry: { atMs: number; attempt: number } | undefined;
      const attempt = (replicas: number, nowMs: number, tries: number) => {
        if (random() >= failureRate) {
          retry = undefined;
          return { replicas };
        }
        const gap = CRON_RETRY_SECONDS[tries];
        retry = gap === undefined ? undefined : { atMs: nowMs + gap * 1000, attempt: tries + 1 };
        return undefined;
      };
      const cron = {
        name: 'cron',
        everySeconds: every,
        offsetSeconds: uniform(random, 0, every),
        observe(view: DeploymentView) {
          if (retry !== undefined) return undefined; // the script is still retrying
          const number = scalingNumber(target, view.outstanding);
          return number === view.replicas ? undefined : attempt(number, view.nowMs, 0);
        },
      };
      // The retries' sleeps, checked each second (only when the API can fail at all).
      const retries = {
        name: 'retry',
        everySeconds: 1,
        offsetSeconds: 0,
        observe(view: DeploymentView) {
          if (retry === undefined || view.nowMs < retry.atMs) return undefined;
          return attempt(scalingNumber(target, view.outstanding), view.nowMs, retry.attempt);
        },
      };
      return { initialReplicas: target.minReplicas, loops: failureRate > 0 ? [cron, retries] : [cron] };
    },
  };
}

export const cronRedis = cronRedisPolicy();
