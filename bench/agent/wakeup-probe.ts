/**
 * The machine's scheduling floor, measured beside the agent benchmark's rounds: a process of its
 * own sleeps 1 ms over and over (a futex wait, as a socket wait is) and notes how late it wakes.
 * A call through any hop needs that hop woken for its request and again for its response, so the
 * tail of this lateness is a floor under the p99 any hop can add on the machine. Also the share
 * of CPU time the hypervisor took from this virtual machine (steal, from /proc/stat) meanwhile.
 *
 * `startWakeupProbe()` starts the built probe (`dist/bench/agent/wakeup-probe.js`, with the
 * agent's Node flags); `stop()` ends it and returns its quantiles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_FLAGS } from '../../agent/node-flags.js';

const BUILT = 'dist/bench/agent/wakeup-probe.js';
const SLEEP_MS = 1;
/** Sleeps between two turns of the probe's event loop, where it hears that it should stop. */
const BATCH = 100;

export interface Wakeup {
  /** How late the probe woke from a 1 ms sleep, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly samples: number;
  /** Share (%) of the machine's CPU time taken by the hypervisor over the probe's life. */
  readonly stealPercent: number;
}

export interface WakeupProbe {
  stop(): Promise<Wakeup>;
}

/** CPU time counters of the whole machine: [steal, total], in clock ticks. */
function cpuTicks(): [number, number] {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guests are inside user/nice.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return [fields[7] ?? 0, total];
}

export async function startWakeupProbe(): Promise<WakeupProbe> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
  const child: ChildProcess = fork(BUILT, [], { execArgv: [...AGENT_NODE_FLAGS], stdio: 'inherit' });
  await once(child, 'spawn');
  const [steal0, total0] = cpuTicks();
  const answer = new Promise<Omit<Wakeup, 'stealPercent'>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Omit<Wakeup, 'stealPercent'>));
    child.once('exit', (code) => reject(new Error(`the wake-up probe exited (${code}) before it answered`)));
  });
  // Its failure is reported by stop(); until then it is not an unhandled rejection.
  answer.catch(() => undefined);
  return {
    stop: async () => {
      child.send('stop');
      const figures = await answer;
      const [steal1, total1] = cpuTicks();
      return { ...figures, stealPercent: (100 * (steal1 - steal0)) / Math.max(1, total1 - total0) };
    },
  };
}

/** The probe itself: sleeps and notes lateness until told to stop, then answers and exits. */
async function probe(): Promise<void> {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const late: number[] = [];
  let stopping = false;
  process.once('message', () => (stopping = true));
  while (!stopping) {
    for (let i = 0; i < BATCH; i++) {
      const t = performance.now();
      Atomics.wait(cell, 0, 0, SLEEP_MS);
      late.push(performance.now() - t - SLEEP_MS);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  late.sort((a, b) => a - b);
  const at = (q: number) => late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? NaN;
  process.send?.({ p50: at(0.5), p99: at(0.99), p999: at(0.999), samples: late.length }, () =>
    process.exit(0),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await probe();
