/**
 * The stack's server processes, each on a free loopback port and in its own process group: a
 * private redis-server (nothing persisted), the Google Cloud Pub/Sub emulator (Java; it takes a
 * second or more to answer) and one Functions Framework process per function, running the built
 * code from dist/.
 */
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { accepts, freePort, waitUntil, type Child, type ProcessGroup } from './processes.js';

export interface Service {
  readonly child: Child;
  readonly port: number;
}

/** True when a Redis server on `port` answers PING. */
export async function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
}

export async function startRedis(
  group: ProcessGroup,
  options: { bin: string; logFile?: string; port?: number },
): Promise<Service & { url: string }> {
  const port = options.port ?? (await freePort());
  const child = group.spawn({
    name: 'redis-server',
    command: options.bin,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  await waitUntil(`redis-server to answer on port ${port}`, () => redisAnswers(port), 10_000, child);
  return { child, port, url: `redis://127.0.0.1:${port}` };
}

/** True when the Pub/Sub emulator on `port` serves its root ("Ok"). */
async function pubsubAnswers(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
  return response.ok && (await response.text()).startsWith('Ok');
}

export async function startPubSubEmulator(
  group: ProcessGroup,
  options: { bin: string; java: string; logFile?: string; port?: number },
): Promise<Service & { host: string }> {
  const port = options.port ?? (await freePort());
  const env = { ...process.env };
  // The launcher script finds Java through JAVA_HOME or PATH; give it the one we found.
  if (!env.JAVA_HOME) env.PATH = `${dirname(options.java)}:${env.PATH ?? ''}`;
  const child = group.spawn({
    name: 'pubsub-emulator',
    command: options.bin,
    args: ['--host=127.0.0.1', `--port=${port}`],
    env,
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  await waitUntil(
    `the Pub/Sub emulator to answer on port ${port}`,
    () => pubsubAnswers(port),
    60_000,
    child,
    100,
  );
  return { child, port, host: `127.0.0.1:${port}` };
}

/** The Functions Framework's command-line entry (node_modules/.bin/functions-framework). */
export function functionsFrameworkMain(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its index (build/src/index.js); the CLI sits beside it.
  return join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
}

export interface FunctionOptions {
  readonly target: 'prescale' | 'reconcile';
  readonly source: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logFile?: string;
  readonly port?: number;
  /** The Functions Framework's CLI to run (default: this repository's); an artifact brings its own. */
  readonly frameworkMain?: string;
}

export async function startFunction(
  group: ProcessGroup,
  options: FunctionOptions,
): Promise<Service & { url: string }> {
  const port = options.port ?? (await freePort());
  const signature = options.target === 'prescale' ? 'cloudevent' : 'http';
  const child = group.spawn({
    name: `function ${options.target}`,
    command: process.execPath,
    args: [
      options.frameworkMain ?? functionsFrameworkMain(),
      `--target=${options.target}`,
      `--source=${options.source}`,
      `--port=${port}`,
      `--signature-type=${signature}`,
    ],
    env: { ...process.env, ...options.env },
    ...(options.logFile ? { logFile: options.logFile } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(`function ${options.target} to listen on port ${port}`, () => accepts(port), 20_000, child);
  return { child, port, url };
}
