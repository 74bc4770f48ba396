/** Every policy the simulator compares, in table order. */
import type { PolicyKind } from '../policy.js';
import { hpaCpu } from './hpa-cpu.js';
import { kedaRedis } from './keda-redis.js';
import { prescaler, prescalerPolicy, prescalerUnranked } from './prescaler.js';

export { prescalerPolicy };
export const POLICIES: readonly PolicyKind[] = [hpaCpu, kedaRedis, prescaler, prescalerUnranked];
/** The three drawn in the charts: the two baselines and prescaler. */
export const CHARTED: readonly string[] = [hpaCpu.name, kedaRedis.name, prescaler.name];
