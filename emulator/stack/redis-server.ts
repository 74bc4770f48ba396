/**
 * A private redis-server for tests and benchmarks: spawned on a free loopback port so a suite can kill it and
 * start it again on the same port (to exercise "Redis is down" paths) without touching any
 * shared instance.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './processes.js';

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  /** Spawns redis-server on a free port and waits until it answers PING. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the server again on the same port (no data survives: nothing is persisted). */
  async restart(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    // A redis-server must not outlive the process that started it, even one that crashed.
    const killChild = () => child.kill('SIGKILL');
    process.once('exit', killChild);
    child.once('exit', () => {
      process.off('exit', killChild);
      if (this.child === child) this.child = undefined;
    });
    this.child = child;
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await ping(this.port)) return;
      if (!this.child) break;
      await sleep(25);
    }
    throw new Error(`redis-server did not start on port ${this.port}; is redis-server installed?`);
  }

  /** Kills the server (SIGKILL, like a crashed instance) and waits for the process to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}
