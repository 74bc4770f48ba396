/**
 * Settings read straight from environment variables, without the schema library, so a small
 * process (the agent) can validate its environment without loading the registry's schemas. Each
 * error is a ConfigError naming the variable, the value and what is allowed.
 */
import { ConfigError } from '../errors.js';
import { DEFAULT_KEY_PREFIX } from '../redis/keys.js';
import { ENV } from './env.js';
import { parseRedisUrl } from './redis-url.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The Redis the functions use when REDIS_URL is not set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** What PRESCALER_KEY_PREFIX must look like (braces and colons belong to the key layout). */
export const KEY_PREFIX_PATTERN = /^[A-Za-z0-9._-]{1,40}$/;

/** `product/model/version`: three segments of letters, digits, `.`, `_`, `-`. */
export const TARGET_NAME =
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\/[A-Za-z0-9][A-Za-z0-9._-]{0,62}\/[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

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

/** REDIS_URL, validated part by part (redis-url.ts; default `redis://127.0.0.1:6379`). */
export function redisUrlSetting(env: Env): string {
  const url = env[ENV.redisUrl] ?? DEFAULT_REDIS_URL;
  parseRedisUrl(url, ENV.redisUrl, false);
  return url;
}

/** PRESCALER_KEY_PREFIX, validated (default `prescaler`). */
export function keyPrefixSetting(env: Env): string {
  const keyPrefix = env[ENV.keyPrefix] ?? DEFAULT_KEY_PREFIX;
  if (!KEY_PREFIX_PATTERN.test(keyPrefix)) {
    throw new ConfigError(
      `${ENV.keyPrefix} = ${JSON.stringify(keyPrefix)}: must be 1-40 letters, digits, ".", "_" or "-"`,
      'braces and colons are reserved for the key layout',
    );
  }
  return keyPrefix;
}
