/**
 * The one validated configuration of a function instance: the target registry plus the runtime
 * settings, read from the environment once. `loadSettings(env, readFile)` takes its inputs as
 * parameters, so tests need no process state.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { ENV } from './env.js';
import { parseRegistryJson, type Registry } from './registry.js';
import { parseRedisUrl } from './redis-url.js';
import {
  DEFAULT_REDIS_URL,
  integerSetting,
  KEY_PREFIX_PATTERN,
  keyPrefixSetting,
  type Env,
} from './values.js';

export type RedisMode = 'standalone' | 'cluster';

export interface RedisSettings {
  /** REDIS_URL as given (it may hold a password: show it only through redactUrl). */
  readonly url: string;
  /** REDIS_AUTH: the password when the URL carries none (Memorystore's AUTH string). */
  readonly password?: string;
  /** PEM of the server CA: turns on TLS with server authentication. */
  readonly caCert?: string;
  /** REDIS_MODE: `cluster` uses the Redis Cluster client (Memorystore cluster mode, Valkey). */
  readonly mode?: RedisMode;
  /** REDIS_WAIT_REPLICAS: replicas that must confirm a registration before it is acknowledged. */
  readonly waitReplicas?: number;
  /** REDIS_WAIT_TIMEOUT_MS: how long registration waits for them. */
  readonly waitTimeoutMs?: number;
}

export interface Settings {
  readonly registry: Registry;
  readonly redis: RedisSettings;
  readonly keyPrefix: string;
  readonly maxImagesPerEvent: number;
  readonly rejectsTopic?: string;
  readonly reconcileConcurrency: number;
  /** A reconcile pass stops starting targets after this long (below the function timeout). */
  readonly reconcileDeadlineSeconds: number;
}

export type { Env };

function loadRegistry(env: Env, readFile: (path: string) => string): Registry {
  const inline = env[ENV.targets];
  const file = env[ENV.targetsFile];
  if (inline && file) {
    throw new ConfigError(
      `both ${ENV.targets} and ${ENV.targetsFile} are set`,
      'set only one: the registry JSON itself, or the path of a file holding it',
    );
  }
  if (inline) return parseRegistryJson(inline, ENV.targets);
  if (file) {
    let text: string;
    try {
      text = readFile(file);
    } catch (error) {
      throw new ConfigError(
        `${ENV.targetsFile} = ${JSON.stringify(file)} cannot be read: ${(error as Error).message}`,
        'point it at a readable JSON file',
      );
    }
    return parseRegistryJson(text, file);
  }
  throw new ConfigError(
    `no target registry: neither ${ENV.targets} nor ${ENV.targetsFile} is set`,
    `set ${ENV.targets} to the registry JSON (see docs/architecture.md)`,
  );
}

export { DEFAULT_REDIS_URL, KEY_PREFIX_PATTERN };

function loadRedisSettings(env: Env): RedisSettings {
  const url = env[ENV.redisUrl] ?? DEFAULT_REDIS_URL;
  const modeRaw = env[ENV.redisMode] || 'standalone';
  if (modeRaw !== 'standalone' && modeRaw !== 'cluster') {
    throw new ConfigError(
      `${ENV.redisMode} = ${JSON.stringify(modeRaw)}: must be "standalone" or "cluster"`,
      `set ${ENV.redisMode}=cluster for Memorystore for Redis Cluster or Valkey in cluster mode, or unset it`,
    );
  }
  const mode: RedisMode = modeRaw;
  const endpoint = parseRedisUrl(url, ENV.redisUrl, mode === 'cluster');
  const password = env[ENV.redisAuth] || undefined;
  if (password && endpoint.password) {
    throw new ConfigError(
      `both ${ENV.redisAuth} and a password in ${ENV.redisUrl} are set`,
      `give the password once: in ${ENV.redisAuth} (from Secret Manager) or in the URL`,
    );
  }
  const caCert = env[ENV.redisCaCert] || undefined;
  const waitReplicas = integerSetting(env, ENV.redisWaitReplicas, 0, 0, 5);
  const waitTimeoutMs = integerSetting(env, ENV.redisWaitTimeoutMs, 1000, 10, 10_000);
  return {
    url,
    ...(password ? { password } : {}),
    ...(caCert ? { caCert } : {}),
    mode,
    waitReplicas,
    waitTimeoutMs,
  };
}

/** The credentials in an environment: what no log line, error or report may show. */
export function secretsOf(env: Env): string[] {
  const secrets = [env[ENV.redisAuth]];
  try {
    const url = new URL(env[ENV.redisUrl] ?? '');
    secrets.push(url.password, decodeURIComponent(url.password));
  } catch {
    // not a URL: redactUrl hides whatever precedes an @
  }
  return secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

export function loadSettings(env: Env, readFile = (path: string) => readFileSync(path, 'utf8')): Settings {
  const registry = loadRegistry(env, readFile);
  const redis = loadRedisSettings(env);
  const keyPrefix = keyPrefixSetting(env);
  const rejectsTopic = env[ENV.rejectsTopic] || undefined;
  return {
    registry,
    redis,
    keyPrefix,
    maxImagesPerEvent: integerSetting(env, ENV.maxImagesPerEvent, 100_000, 1, 100_000_000),
    ...(rejectsTopic ? { rejectsTopic } : {}),
    reconcileConcurrency: integerSetting(env, ENV.reconcileConcurrency, 16, 1, 256),
    reconcileDeadlineSeconds: integerSetting(env, ENV.reconcileDeadlineSeconds, 45, 1, 1790),
  };
}
