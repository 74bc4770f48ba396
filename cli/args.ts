/**
 * The `prescaler` command line, parsed into one typed command (the flags and their values are
 * checked in flags.ts). Every error is a UsageError that names the flag, the value and the fix;
 * the command exits 2 on them.
 * Defaults come from the environment the functions and the local stack use (REDIS_URL,
 * PRESCALER_KEY_PREFIX, PRESCALER_TARGETS_FILE, PUBSUB_PROJECT_ID, PRESCALER_TOPIC).
 */
import { randomBytes } from 'node:crypto';
import { ENV } from '../shared/config/env.js';
import {
  batchId,
  commonOf,
  COMMON_FLAGS,
  integer,
  parseFlags,
  required,
  stringFlags,
  targetName,
  topicName,
  UsageError,
  type Common,
  type Env,
} from './flags.js';

export { UsageError, type Common, type Env } from './flags.js';

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

export function parseCommand(argv: readonly string[], env: Env): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return { command: 'help' };
  const args = [...rest];
  switch (name) {
    case 'publish': {
      const values = parseFlags(name, args, {
        ...COMMON_FLAGS,
        ...stringFlags('target', 'images', 'batch', 'deadline', 'project', 'topic'),
      });
      if (values.help) return { command: 'help' };
      const target = targetName(required('target', values.target, 'acme/resnet101/v1'));
      const images = integer('images', required('images', values.images, '400'), 1, 100_000_000, '400');
      const deadline =
        values.deadline === undefined
          ? undefined
          : integer('deadline', values.deadline, 1, 7 * 86_400, '600');
      const project = values.project ?? env.PUBSUB_PROJECT_ID ?? env.GOOGLE_CLOUD_PROJECT;
      const topic = topicName(
        required('topic', values.topic ?? env.PRESCALER_TOPIC, 'prescaler-events', 'PRESCALER_TOPIC'),
      );
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
      const values = parseFlags(name, args, {
        ...COMMON_FLAGS,
        json: { type: 'boolean' },
        ...stringFlags('target', 'kubeconfig', 'decisions'),
      });
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
      const values = parseFlags(name, args, {
        ...COMMON_FLAGS,
        ...stringFlags('target', 'batch', 'done', 'failed'),
      });
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
      const values = parseFlags(name, args, {
        help: { type: 'boolean' },
        ...stringFlags('prefix', 'target', 'user', 'password-env'),
      });
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
