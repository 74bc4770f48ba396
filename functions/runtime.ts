/**
 * Builds what the functions need, once per instance, on first use: the validated settings, one
 * lazily connected Redis client, cluster access and the reject sink. The only module of the
 * functions that reads process.env.
 */
import { systemClock } from '../shared/clock.js';
import { scrub } from '../shared/config/redis-url.js';
import { loadSettings, secretsOf, type Settings } from '../shared/config/settings.js';
import { ClusterAccess } from '../shared/kube/cluster.js';
import { jsonLogger } from '../shared/log.js';
import { PubSubRejectSink, RedisRejectSink, type RejectSink } from '../shared/rejects.js';
import { createDeps } from './deps.js';
import type { PrescaleDeps } from './prescale.js';

export type Runtime = PrescaleDeps;

export function createRuntime(settings: Settings = loadSettings(process.env)): Runtime {
  const deps = createDeps(settings, {
    clusters: new ClusterAccess({ clock: systemClock }),
    clock: systemClock,
    logger: jsonLogger(),
  });
  const redisRejects = new RedisRejectSink(deps.redis, settings.keyPrefix);
  const rejects: RejectSink = settings.rejectsTopic
    ? new PubSubRejectSink(settings.rejectsTopic, { fallback: redisRejects, logger: deps.logger })
    : redisRejects;
  return { ...deps, rejects };
}

let runtime: Runtime | undefined;

/** The instance's runtime; a configuration error is logged once per attempt and thrown. */
export function getRuntime(): Runtime {
  if (!runtime) {
    try {
      runtime = createRuntime();
    } catch (error) {
      // Messages name REDIS_URL redacted already; scrub them anyway, whatever a part quoted.
      const secrets = secretsOf(process.env);
      const hint = (error as { hint?: string }).hint;
      jsonLogger().log('ERROR', `prescaler cannot start: ${scrub((error as Error).message, ...secrets)}`, {
        event: 'config_invalid',
        hint: hint === undefined ? undefined : scrub(hint, ...secrets),
      });
      throw error;
    }
  }
  return runtime;
}
