/** Every policy the simulator compares, in table order: the systems prescaler grew from first. */
import type { PolicyKind } from '../policy.js';
import { cronRedis } from './cron-redis.js';
import { hpaCpu } from './hpa-cpu.js';
import { hpaQueue } from './hpa-queue.js';
import { kedaRedis } from './keda-redis.js';
import { knative } from './knative.js';
import { platform } from './platform.js';
import { prescaler, prescalerPolicy, prescalerUnranked } from './prescaler.js';

export { prescalerPolicy };
export const POLICIES: readonly PolicyKind[] = [
  cronRedis,
  hpaCpu,
  kedaRedis,
  hpaQueue,
  platform,
  knative,
  prescaler,
  prescalerUnranked,
];
/** The policies prescaler is measured against (its own variant without ranking is not one). */
export const PEERS: readonly PolicyKind[] = POLICIES.filter((p) => !p.name.startsWith('prescaler'));
/** The ones drawn in the timeline charts: the two most common baselines and prescaler. */
export const CHARTED: readonly string[] = [hpaCpu.name, kedaRedis.name, prescaler.name];
