/**
 * A bare TCP relay: the benchmark's measure of what any second Node process in a call's path
 * costs on the machine. Each connection is piped to its target and nothing else happens (no
 * parsing, no counting, no Redis). `node dist/bench/agent/tcp-relay.js LISTEN=TARGET ...` (ports
 * on the loopback) prints "ready" once every port listens; `spawnRelay` starts it, built, with the
 * agent's Node flags.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_FLAGS } from '../../agent/node-flags.js';

const BUILT = 'dist/bench/agent/tcp-relay.js';

export interface SpawnedRelay {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the relay for `[listen, target]` port pairs; resolves once it listens. */
export async function spawnRelay(pairs: ReadonlyArray<readonly [number, number]>): Promise<SpawnedRelay> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, BUILT, ...pairs.map(([l, t]) => `${l}=${t}`)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    void exited.then(() => reject(new Error('the TCP relay exited before it listened')));
  });
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function relay(listen: number, target: number): Promise<void> {
  const server = createServer((caller) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [caller, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', () => {
        caller.destroy();
        upstream.destroy();
      });
    }
    caller.pipe(upstream);
    upstream.pipe(caller);
  });
  return new Promise((resolve) => server.listen(listen, '127.0.0.1', () => resolve()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pairs = process.argv.slice(2).map((arg) => arg.split('=').map(Number) as [number, number]);
  await Promise.all(pairs.map(([listen, target]) => relay(listen, target)));
  process.once('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}
