/**
 * The one validated configuration of a function instance: the target registry plus the runtime
 * settings, read from the environment once. `loadSettings(env, readFile)` takes its inputs as
 * parameters, so tests need no process state.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { ENV } from './env.js';
import { parseRegistryJson, type Registry } from './registry.js';
import {
  DEFAULT_REDIS_URL,
  integerSetting,
  KEY_PREFIX_PATTERN,
  keyPrefixSetting,
  REDIS_URL_PATTERN,
  redisUrlSetting,
  type Env,
} from './values.js';

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

export { DEFAULT_REDIS_URL, KEY_PREFIX_PATTERN, REDIS_URL_PATTERN };

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
