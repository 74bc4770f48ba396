/**
 * What the local stack needs from the machine: `redis-server`, Java 17 and the Pub/Sub emulator
 * of the Google Cloud CLI, and the built functions. `checkPrerequisites` finds what is missing
 * and says, in one message, the command that installs each piece.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const DEFAULT_PUBSUB_EMULATOR_BIN =
  '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';

export interface Missing {
  readonly what: string;
  readonly install: string;
}

export interface Tools {
  readonly redisServer: string;
  readonly java: string;
  readonly pubsubEmulator: string;
}

export class MissingPrerequisites extends Error {
  constructor(readonly missing: readonly Missing[]) {
    super(
      [
        `the local stack cannot start: ${missing.map((m) => m.what).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing.`,
        'Install with:',
        ...missing.map((m) => `  ${m.install}`),
      ].join('\n'),
    );
    this.name = 'MissingPrerequisites';
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds the tools, or throws MissingPrerequisites naming every missing one with its install
 * command. `PUBSUB_EMULATOR_BIN` overrides the emulator's path; `JAVA_HOME` is honoured.
 */
export function checkPrerequisites(env: NodeJS.ProcessEnv = process.env): Tools {
  const missing: Missing[] = [];
  const redisServer = which('redis-server', env);
  if (!redisServer) missing.push({ what: 'redis-server', install: 'apt-get install -y redis-server' });

  const javaHome = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : undefined;
  const java = javaHome && executable(javaHome) ? javaHome : which('java', env);
  if (!java) missing.push({ what: 'Java 17', install: 'apt-get install -y openjdk-17-jre-headless' });

  const pubsubEmulator = env.PUBSUB_EMULATOR_BIN || DEFAULT_PUBSUB_EMULATOR_BIN;
  if (!existsSync(pubsubEmulator) || !executable(pubsubEmulator)) {
    missing.push({
      what: `the Pub/Sub emulator (${pubsubEmulator})`,
      install: env.PUBSUB_EMULATOR_BIN
        ? `apt-get install -y google-cloud-cli-pubsub-emulator, or point PUBSUB_EMULATOR_BIN at cloud-pubsub-emulator`
        : 'apt-get install -y google-cloud-cli-pubsub-emulator',
    });
  }
  if (missing.length > 0 || !redisServer || !java) throw new MissingPrerequisites(missing);
  return { redisServer, java, pubsubEmulator };
}

/** Throws when the functions have not been built (they run from dist/). */
export function checkBuilt(functionsEntry: string): void {
  if (!existsSync(functionsEntry)) {
    throw new Error(`the functions are not built (${functionsEntry} is missing): run npm run build`);
  }
}
