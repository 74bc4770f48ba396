/**
 * The one validated configuration of a function instance: the target registry plus the runtime
 * settings, read from the environment once. `loadSettings(env, readFile)` takes its inputs as
 * parameters, so tests need no process state.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { ENV } from './env.js';
import { parseRegistryJson, type Registry } from './registry.js';

export interface RedisSettings {
  readonly url: string;
  readonly password?: string;
  /** PEM of the server CA: turns on TLS with server authentication. */
  readonly caCert?: string;
}

export interface Settings {
  readonly registry: Registry;
  readonly redis: RedisSettings;
  readonly keyPrefix: string;
  readonly maxImagesPerEvent: number;
  readonly rejectsTopic?: string;
  readonly reconcileConcurrency: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function integerSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name} = ${JSON.stringify(raw)}: must be an integer from ${min} to ${max}`,
      `set ${name} to an integer from ${min} to ${max}, or unset it for the default ${fallback}`,
    );
  }
  return value;
}

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

/** REDIS_URL, validated (default `redis://127.0.0.1:6379`). */
export function redisUrlSetting(env: Env): string {
  const url = env[ENV.redisUrl] ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\/[^/\s]+/.test(url)) {
    throw new ConfigError(
      `${ENV.redisUrl} = ${JSON.stringify(url)}: must be redis://host:port or rediss://host:port`,
      'use rediss:// for Memorystore with in-transit encryption',
    );
  }
  return url;
}

/** PRESCALER_KEY_PREFIX, validated (default `prescaler`). */
export function keyPrefixSetting(env: Env): string {
  const keyPrefix = env[ENV.keyPrefix] ?? 'prescaler';
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(keyPrefix)) {
    throw new ConfigError(
      `${ENV.keyPrefix} = ${JSON.stringify(keyPrefix)}: must be 1-40 letters, digits, ".", "_" or "-"`,
      'braces and colons are reserved for the key layout',
    );
  }
  return keyPrefix;
}

export function loadSettings(env: Env, readFile = (path: string) => readFileSync(path, 'utf8')): Settings {
  const registry = loadRegistry(env, readFile);
  const url = redisUrlSetting(env);
  const keyPrefix = keyPrefixSetting(env);
  const caCert = env[ENV.redisCaCert] || undefined;
  const password = env[ENV.redisAuth] || undefined;
  const rejectsTopic = env[ENV.rejectsTopic] || undefined;
  return {
    registry,
    redis: { url, ...(password ? { password } : {}), ...(caCert ? { caCert } : {}) },
    keyPrefix,
    maxImagesPerEvent: integerSetting(env, ENV.maxImagesPerEvent, 100_000, 1, 100_000_000),
    ...(rejectsTopic ? { rejectsTopic } : {}),
    reconcileConcurrency: integerSetting(env, ENV.reconcileConcurrency, 16, 1, 256),
  };
}
