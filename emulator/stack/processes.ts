/**
 * Child processes of the local stack. Each child runs in its own process group, so stopping it
 * reaches everything it started (a launcher script and its JVM, npm and node); its output goes
 * line by line to a log file and to optional listeners. `ProcessGroup.stopAll()` sends SIGTERM
 * to every group, waits, then SIGKILLs what is left, so no process of the stack outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { createConnection, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export type LineListener = (line: string, stream: 'stdout' | 'stderr') => void;

export interface ChildSpec {
  /** A short name for messages and the log file. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where stdout and stderr are appended; omitted: not kept. */
  readonly logFile?: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class Child {
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private readonly listeners: LineListener[] = [];
  private readonly log: WriteStream | undefined;
  private readonly tail: string[] = [];

  constructor(
    readonly spec: ChildSpec,
    private readonly process: ChildProcess,
  ) {
    this.log = spec.logFile ? createWriteStream(spec.logFile, { flags: 'a' }) : undefined;
    this.exited = new Promise((resolve) => {
      process.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      process.once('error', (error) => {
        this.tail.push(`spawn failed: ${error.message}`);
        this.exit ??= { code: 127, signal: null };
        resolve(this.exit);
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = process[stream];
      if (!source) continue;
      createInterface({ input: source }).on('line', (line) => {
        this.log?.write(line + '\n');
        this.tail.push(line);
        if (this.tail.length > 20) this.tail.shift();
        for (const listener of this.listeners) listener(line, stream);
      });
    }
  }

  get name(): string {
    return this.spec.name;
  }

  /** The process id, which is also its process group id. */
  get pid(): number {
    return this.process.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** The last lines the child printed, for error messages. */
  get lastLines(): string {
    return this.tail.join('\n');
  }

  onLine(listener: LineListener): void {
    this.listeners.push(listener);
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the child has exited. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.running) {
      signalGroup(this.pid, 'SIGTERM');
      // The grace timer is cancelled once the child has gone, so it keeps nothing waiting.
      const grace = new AbortController();
      const timer = sleep(graceMs, 'timeout' as const, { signal: grace.signal }).catch(
        () => 'exited' as const,
      );
      const first = await Promise.race([this.exited.then(() => 'exited' as const), timer]);
      grace.abort();
      if (first === 'timeout') signalGroup(this.pid, 'SIGKILL');
      await this.exited;
    }
    // The leader may be gone while others of its group linger (a JVM forked by a script).
    if (groupAlive(this.pid)) {
      signalGroup(this.pid, 'SIGKILL');
      for (let i = 0; i < 100 && groupAlive(this.pid); i++) await sleep(20);
    }
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** Whether any process of the group led by `pid` is still alive. */
export function groupAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process `pid` is alive. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The children of one stack, stopped together in reverse order of start. With `pidFile`, the
 * process ids are also written down, so a later stack can end what a killed one left behind.
 */
export class ProcessGroup {
  private readonly children: Child[] = [];

  constructor(private readonly pidFile?: string) {}

  spawn(spec: ChildSpec): Child {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const handle = new Child(spec, child);
    this.children.push(handle);
    if (this.pidFile) {
      const records = this.children.map((c) => ({ pid: c.pid, command: c.spec.command }));
      writeFileSync(this.pidFile, JSON.stringify(records) + '\n');
    }
    return handle;
  }

  get all(): readonly Child[] {
    return this.children;
  }

  /** Every process id ever started here (each also a process group id). */
  get pids(): number[] {
    return this.children.map((c) => c.pid).filter((pid) => pid > 0);
  }

  async stopAll(graceMs = 3000): Promise<void> {
    const children = [...this.children].reverse();
    await Promise.all(children.map((c) => c.stop(graceMs)));
    if (this.pidFile) rmSync(this.pidFile, { force: true });
  }
}

/**
 * Ends the process groups a previous stack recorded in `pidFile` and did not stop (its parent was
 * killed with SIGKILL, say). A pid is only signalled if its command line still names the command
 * recorded for it, so a reused pid is left alone. Returns the pids ended.
 */
export async function endLeftovers(pidFile: string): Promise<number[]> {
  let records: Array<{ pid: number; command: string }>;
  try {
    records = JSON.parse(readFileSync(pidFile, 'utf8')) as Array<{ pid: number; command: string }>;
  } catch {
    return [];
  }
  const ended: number[] = [];
  for (const { pid, command } of records) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (!cmdline.includes(basename(command))) continue;
    signalGroup(pid, 'SIGKILL');
    for (let i = 0; i < 100 && groupAlive(pid); i++) await sleep(20);
    ended.push(pid);
  }
  rmSync(pidFile, { force: true });
  return ended;
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `probe` until it returns true; throws after `timeoutMs` with `what` and, when the
 * child died first, its last output.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  child?: Child,
  intervalMs = 50,
): Promise<void> {
  const attempts = Math.ceil(timeoutMs / intervalMs);
  for (let i = 0; i < attempts; i++) {
    if (child && !child.running) {
      throw new Error(`${child.name} exited before ${what}:\n${child.lastLines}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(intervalMs);
  }
  const output = child ? `; its last output:\n${child.lastLines}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${output}`);
}

/**
 * True when something accepts TCP connections on `port`: the startup probe Cloud Run uses by
 * default. A function is probed this way, not with a request, because a GET would invoke it: an
 * HTTP function would run, and the CloudEvent wrapper throws on a request that carries no event.
 */
export async function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
