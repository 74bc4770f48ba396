/**
 * The `prescaler` command line, parsed with util.parseArgs into one typed command. Every error
 * is a UsageError that names the flag, the value and the fix; the command exits 2 on them.
 * Defaults come from the environment the functions and the local stack use (REDIS_URL,
 * PRESCALER_KEY_PREFIX, PRESCALER_TARGETS_FILE, PUBSUB_PROJECT_ID, PRESCALER_TOPIC).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ENV } from '../shared/config/env.js';
import { parseRedisUrl } from '../shared/config/redis-url.js';
import { TARGET_NAME } from '../shared/config/registry.js';
import type { RedisMode } from '../shared/config/settings.js';
import { DEFAULT_REDIS_URL, KEY_PREFIX_PATTERN } from '../shared/config/values.js';
import { BATCH_ID_PATTERN } from '../shared/event.js';
import { DEFAULT_KEY_PREFIX } from '../shared/redis/keys.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const USAGE = `usage: prescaler <command> [flags]

  publish   --target T --images N [--batch ID] [--deadline S] [--project P] [--topic NAME]
            announce a batch: publishes {"target","batchId","images"} to the events topic
            (the Pub/Sub emulator when PUBSUB_EMULATOR_HOST is set, else real Pub/Sub with
            application default credentials)
  status    [--target T] [--kubeconfig FILE] [--decisions N] [--json]
            targets, replicas, outstanding work and recent decisions (Redis and the Kubernetes API)
  progress  --target T --batch ID --done N [--failed N]
            report worker progress the way workers do (HINCRBY on the done and failed hashes)
  workers-acl --target T [--user NAME] [--password-env VAR]
            print the ACL SETUSER command of a Redis user that may only report T's progress
            (Redis 6+/Valkey); the password comes from $VAR, or is generated and shown once

common flags: --redis URL (default $REDIS_URL), --prefix P (default $PRESCALER_KEY_PREFIX or prescaler),
              --targets FILE (default $PRESCALER_TARGETS_FILE)`;

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

export interface PublishCommand {
  readonly command: 'publish';
  readonly target: string;
  readonly images: number;
  readonly batchId: string;
  readonly deadlineSeconds?: number;
  readonly project?: string;
  readonly topic: string;
}

export interface StatusCommand extends Common {
  readonly command: 'status';
  readonly target?: string;
  readonly kubeconfig?: string;
  readonly targetsFile?: string;
  readonly decisions: number;
  readonly json: boolean;
}

export interface ProgressCommand extends Common {
  readonly command: 'progress';
  readonly target: string;
  readonly batchId: string;
  readonly done: number;
  readonly failed: number;
}

export interface WorkersAclCommand {
  readonly command: 'workers-acl';
  readonly prefix: string;
  readonly target: string;
  readonly user?: string;
  /** The password, from the variable --password-env names; undefined: generate one. */
  readonly password?: string;
}

export interface HelpCommand {
  readonly command: 'help';
}

export type Command = PublishCommand | StatusCommand | ProgressCommand | WorkersAclCommand | HelpCommand;

function integer(flag: string, raw: string, min: number, max: number, example: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${flag}: "${raw}" must be an integer from ${min} to ${max} (e.g. --${flag} ${example})`,
    );
  }
  return value;
}

function required(flag: string, value: string | undefined, example: string, env?: string): string {
  if (value === undefined || value === '') {
    const alt = env ? `, or set ${env}` : '';
    throw new UsageError(`--${flag} is required: give --${flag} ${example}${alt}`);
  }
  return value;
}

function targetName(raw: string): string {
  if (!TARGET_NAME.test(raw)) {
    throw new UsageError(
      `--target: "${raw}" must be "product/model/version", each part 1-63 letters, digits, ".", "_" or "-" (e.g. --target acme/resnet101/v1)`,
    );
  }
  return raw;
}

function batchId(raw: string): string {
  if (!BATCH_ID_PATTERN.test(raw)) {
    throw new UsageError(
      `--batch: "${raw}" must be 1-200 letters, digits or ._:@/- starting with a letter or digit (e.g. --batch b-42)`,
    );
  }
  return raw;
}

const common = {
  redis: { type: 'string' },
  prefix: { type: 'string' },
  targets: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** Runs a parseArgs call, turning its errors (unknown flag, missing value) into UsageError. */
function parsing<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message} (see prescaler --help)`);
  }
}

function commonOf(values: { redis?: string; prefix?: string }, env: Env): Common {
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

export function parseCommand(argv: readonly string[], env: Env): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return { command: 'help' };
  const args = [...rest];
  switch (name) {
    case 'publish': {
      const { values } = parsing(name, () =>
        parseArgs({
          args,
          options: {
            ...common,
            target: { type: 'string' },
            images: { type: 'string' },
            batch: { type: 'string' },
            deadline: { type: 'string' },
            project: { type: 'string' },
            topic: { type: 'string' },
          },
          strict: true,
          allowPositionals: false,
        }),
      );
      if (values.help) return { command: 'help' };
      const target = targetName(required('target', values.target, 'acme/resnet101/v1'));
      const images = integer('images', required('images', values.images, '400'), 1, 100_000_000, '400');
      const deadline =
        values.deadline === undefined
          ? undefined
          : integer('deadline', values.deadline, 1, 7 * 86_400, '600');
      const project = values.project ?? env.PUBSUB_PROJECT_ID ?? env.GOOGLE_CLOUD_PROJECT;
      const topic = required(
        'topic',
        values.topic ?? env.PRESCALER_TOPIC,
        'prescaler-events',
        'PRESCALER_TOPIC',
      );
      if (topic.startsWith('projects/') && !/^projects\/[^/]+\/topics\/[^/]{3,255}$/.test(topic)) {
        throw new UsageError(`--topic: "${topic}" must be a topic name or projects/P/topics/NAME`);
      }
      if (!topic.startsWith('projects/') && !/^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/.test(topic)) {
        throw new UsageError(
          `--topic: "${topic}" must be 3-255 letters, digits or -_.~+% starting with a letter (e.g. --topic prescaler-events)`,
        );
      }
      return {
        command: 'publish',
        target,
        images,
        batchId: batchId(values.batch ?? `b-${randomBytes(6).toString('hex')}`),
        ...(deadline !== undefined ? { deadlineSeconds: deadline } : {}),
        ...(project ? { project } : {}),
        topic,
      };
    }
    case 'status': {
      const { values } = parsing(name, () =>
        parseArgs({
          args,
          options: {
            ...common,
            target: { type: 'string' },
            kubeconfig: { type: 'string' },
            decisions: { type: 'string' },
            json: { type: 'boolean' },
          },
          strict: true,
          allowPositionals: false,
        }),
      );
      if (values.help) return { command: 'help' };
      const targetsFile = values.targets ?? env[ENV.targetsFile];
      if (!targetsFile && !env[ENV.targets]) {
        throw new UsageError(
          `--targets is required: give --targets registry.json, or set ${ENV.targetsFile} (the local stack writes .stack/registry.json)`,
        );
      }
      return {
        command: 'status',
        ...commonOf(values, env),
        ...(values.target !== undefined ? { target: targetName(values.target) } : {}),
        ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
        ...(targetsFile ? { targetsFile } : {}),
        decisions: values.decisions === undefined ? 5 : integer('decisions', values.decisions, 0, 50, '5'),
        json: values.json ?? false,
      };
    }
    case 'progress': {
      const { values } = parsing(name, () =>
        parseArgs({
          args,
          options: {
            ...common,
            target: { type: 'string' },
            batch: { type: 'string' },
            done: { type: 'string' },
            failed: { type: 'string' },
          },
          strict: true,
          allowPositionals: false,
        }),
      );
      if (values.help) return { command: 'help' };
      const target = targetName(required('target', values.target, 'acme/resnet101/v1'));
      const id = batchId(required('batch', values.batch, 'b-42'));
      const done = integer('done', required('done', values.done, '10'), 0, 100_000_000, '10');
      const failed = values.failed === undefined ? 0 : integer('failed', values.failed, 0, 100_000_000, '1');
      if (done + failed === 0)
        throw new UsageError('--done: report at least one image (--done N or --failed N above 0)');
      return { command: 'progress', ...commonOf(values, env), target, batchId: id, done, failed };
    }
    case 'workers-acl': {
      const { values } = parsing(name, () =>
        parseArgs({
          args,
          options: {
            prefix: { type: 'string' },
            target: { type: 'string' },
            user: { type: 'string' },
            'password-env': { type: 'string' },
            help: { type: 'boolean' },
          },
          strict: true,
          allowPositionals: false,
        }),
      );
      if (values.help) return { command: 'help' };
      const target = targetName(required('target', values.target, 'acme/resnet101/v1'));
      const { prefix } = commonOf({ prefix: values.prefix }, env);
      if (values.user !== undefined && !/^[A-Za-z0-9._:@-]{1,64}$/.test(values.user)) {
        throw new UsageError(`--user: "${values.user}" must be 1-64 letters, digits or ._:@-`);
      }
      const variable = values['password-env'];
      const password = variable === undefined ? undefined : env[variable];
      if (variable !== undefined && (password === undefined || password.length < 16)) {
        throw new UsageError(
          `--password-env: $${variable} must hold the worker's password, at least 16 characters (it is not shown)`,
        );
      }
      return {
        command: 'workers-acl',
        prefix,
        target,
        ...(values.user !== undefined ? { user: values.user } : {}),
        ...(password !== undefined ? { password } : {}),
      };
    }
    default:
      throw new UsageError(
        `unknown command "${name}": use publish, status, progress or workers-acl (see prescaler --help)`,
      );
  }
}
