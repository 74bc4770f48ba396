/**
 * What both functions are built from: the validated settings, the instance's Redis client, the
 * ledger, cluster access, the clock and the logger. runtime.ts makes them from the environment;
 * tests and benchmarks make them by hand.
 */
import type { Clock } from '../shared/clock.js';
import type { Settings } from '../shared/config/settings.js';
import type { ClusterConnector } from '../shared/kube/cluster.js';
import type { Logger } from '../shared/log.js';
import { RedisHandle, redisOptions } from '../shared/redis/client.js';
import { Ledger } from '../shared/redis/ledger.js';

export interface FunctionDeps {
  readonly settings: Settings;
  readonly redis: RedisHandle;
  readonly ledger: Ledger;
  readonly clusters: ClusterConnector;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The instance's Redis client and ledger for `settings`, with the given clusters, clock and logger. */
export function createDeps(
  settings: Settings,
  parts: Pick<FunctionDeps, 'clusters' | 'clock' | 'logger'>,
): FunctionDeps {
  return {
    settings,
    redis: new RedisHandle(redisOptions(settings.redis), settings.redis.mode),
    ledger: new Ledger(settings.keyPrefix),
    ...parts,
  };
}
