/**
 * The `prescaler` command's flags: parsing one command's flags with util.parseArgs, and what each
 * value may be. Every error is a UsageError that names the flag, the value and the fix. The
 * common flags default to the environment the functions and the local stack use (REDIS_URL,
 * PRESCALER_KEY_PREFIX, REDIS_MODE).
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ENV } from '../shared/config/env.js';
import { parseRedisUrl } from '../shared/config/redis-url.js';
import { TARGET_NAME } from '../shared/config/registry.js';
import type { RedisMode } from '../shared/config/settings.js';
import { DEFAULT_REDIS_URL, KEY_PREFIX_PATTERN } from '../shared/config/values.js';
import { BATCH_ID_PATTERN } from '../shared/event.js';
import { DEFAULT_KEY_PREFIX } from '../shared/redis/keys.js';

export type Env = Readonly<Record<string, string | undefined>>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Common {
  readonly redisUrl: string;
  readonly redisMode: RedisMode;
  readonly prefix: string;
}

export function integer(flag: string, raw: string, min: number, max: number, example: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${flag}: "${raw}" must be an integer from ${min} to ${max} (e.g. --${flag} ${example})`,
    );
  }
  return value;
}

export function required(flag: string, value: string | undefined, example: string, env?: string): string {
  if (value === undefined || value === '') {
    const alt = env ? `, or set ${env}` : '';
    throw new UsageError(`--${flag} is required: give --${flag} ${example}${alt}`);
  }
  return value;
}

export function targetName(raw: string): string {
  if (!TARGET_NAME.test(raw)) {
    throw new UsageError(
      `--target: "${raw}" must be "product/model/version", each part 1-63 letters, digits, ".", "_" or "-" (e.g. --target acme/resnet101/v1)`,
    );
  }
  return raw;
}

export function batchId(raw: string): string {
  if (!BATCH_ID_PATTERN.test(raw)) {
    throw new UsageError(
      `--batch: "${raw}" must be 1-200 letters, digits or ._:@/- starting with a letter or digit (e.g. --batch b-42)`,
    );
  }
  return raw;
}

/** A Pub/Sub topic: a bare name, or its full `projects/P/topics/NAME`. */
export function topicName(raw: string): string {
  if (raw.startsWith('projects/') && !/^projects\/[^/]+\/topics\/[^/]{3,255}$/.test(raw)) {
    throw new UsageError(`--topic: "${raw}" must be a topic name or projects/P/topics/NAME`);
  }
  if (!raw.startsWith('projects/') && !/^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/.test(raw)) {
    throw new UsageError(
      `--topic: "${raw}" must be 3-255 letters, digits or -_.~+% starting with a letter (e.g. --topic prescaler-events)`,
    );
  }
  return raw;
}

/** Flags that take a string value (each checked by the command that reads it). */
export function stringFlags<const K extends string>(
  ...names: K[]
): { readonly [P in K]: { readonly type: 'string' } } {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as {
    readonly [P in K]: { readonly type: 'string' };
  };
}

/** The flags every Redis-reading command takes. */
export const COMMON_FLAGS = {
  redis: { type: 'string' },
  prefix: { type: 'string' },
  targets: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/**
 * One command's flags, strictly (no positionals, no unknown flags): parseArgs' own errors
 * (unknown flag, missing value) become UsageErrors that name the command.
 */
export function parseFlags<const O extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message} (see prescaler --help)`);
  }
}

export function commonOf(values: { redis?: string; prefix?: string }, env: Env): Common {
  const redisUrl = values.redis ?? env[ENV.redisUrl] ?? DEFAULT_REDIS_URL;
  const mode = env[ENV.redisMode] || 'standalone';
  if (mode !== 'standalone' && mode !== 'cluster') {
    throw new UsageError(`${ENV.redisMode}: "${mode}" must be "standalone" or "cluster"`);
  }
  const redisMode: RedisMode = mode;
  try {
    parseRedisUrl(redisUrl, '--redis', redisMode === 'cluster');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const prefix = values.prefix ?? env[ENV.keyPrefix] ?? DEFAULT_KEY_PREFIX;
  if (!KEY_PREFIX_PATTERN.test(prefix)) {
    throw new UsageError(`--prefix: "${prefix}" must be 1-40 letters, digits, ".", "_" or "-"`);
  }
  return { redisUrl, redisMode, prefix };
}
