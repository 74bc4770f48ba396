/**
 * A bounded reconcile pass: targets are worked on with bounded concurrency, starting at a point
 * that rotates from pass to pass (a counter in Redis, or in memory while Redis is down), so the
 * targets at the end of the list are not always the ones a slow pass fails to reach. Once the
 * pass deadline is reached no target is started, and a target still running is given up on;
 * both are reported as skipped with the reason, which makes the pass fail (HTTP 500).
 */
import pLimit from 'p-limit';
import type { Clock } from '../shared/clock.js';
import type { RedisHandle } from '../shared/redis/client.js';
import { withRedis } from '../shared/redis/client.js';
import { passKey } from '../shared/redis/keys.js';

let localPasses = 0;

/** Where this pass starts in a list of `count` targets. */
export async function rotation(redis: RedisHandle, prefix: string, count: number): Promise<number> {
  if (count <= 1) return 0;
  let passes: number;
  try {
    passes = await withRedis(redis, (client) => client.incr(passKey(prefix)));
  } catch {
    passes = ++localPasses;
  }
  return passes % count;
}

/** `items` from `start` on, wrapping around. */
export function rotate<T>(items: readonly T[], start: number): T[] {
  return [...items.slice(start), ...items.slice(0, start)];
}

export interface PassLimits {
  readonly clock: Clock;
  readonly concurrency: number;
  /** Clock time (ms) after which nothing is started and nothing more is waited for. */
  readonly deadlineMs: number;
}

/**
 * Runs `work` on every item within the limits; an item not started, or not finished, by the
 * deadline gets `skipped(item, reason)` instead. Results keep the order of `items`.
 */
export async function boundedPass<T, R>(
  items: readonly T[],
  limits: PassLimits,
  work: (item: T) => Promise<R>,
  skipped: (item: T, reason: string) => R,
): Promise<R[]> {
  const limit = pLimit(limits.concurrency);
  const timers = new Set<NodeJS.Timeout>();
  const results = await Promise.all(
    items.map((item) =>
      limit(async () => {
        const left = limits.deadlineMs - limits.clock.now();
        if (left <= 0) return skipped(item, 'not reached before the pass deadline');
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<R>((resolve) => {
          timer = setTimeout(
            () => resolve(skipped(item, 'still running at the pass deadline; given up')),
            left,
          );
          timers.add(timer);
        });
        try {
          return await Promise.race([work(item), late]);
        } finally {
          if (timer) {
            clearTimeout(timer);
            timers.delete(timer);
          }
        }
      }),
    ),
  );
  for (const timer of timers) clearTimeout(timer);
  return results;
}
