/**
 * Measuring for the agent benchmark: the load loop (callers spread over a pace), quantiles, an
 * HTTP/1.1 call, and what /proc says of a process (CPU time, resident memory), with the floor
 * under the agent's memory.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent } from 'node:http';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_NODE_FLAGS } from '../../agent/node-flags.js';

export const CONCURRENCY = 32;

export type Call = () => Promise<void>;

/**
 * Runs `total` calls from `CONCURRENCY` workers, worker i starting i/CONCURRENCY of `spreadMs`
 * late; returns each call's latency (ms) and the wall time.
 */
export async function load(
  call: Call,
  total: number,
  spreadMs = 0,
): Promise<{ latencies: number[]; ms: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      if (spreadMs > 0) await sleep((worker * spreadMs) / CONCURRENCY);
      while (next++ < total) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, ms: performance.now() - started };
}

export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** CPU time (user + system, ms) a process has used, from /proc. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

export function httpCall(port: number, agent: HttpAgent, body: Buffer): Call {
  return () =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          agent,
          method: 'POST',
          path: '/v1/models/resnet101:predict',
          headers: { 'content-length': body.length, 'x-prescaler-batch': 'bench' },
        },
        (res) => {
          res.resume();
          res.once('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.once('error', reject);
      req.end(body);
    });
}

/** Resident memory of a process, now (VmRSS) or its peak (VmHWM), in MB. */
export function rss(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * The floor under the agent's memory: the resident size (MB) of a Node process, with the agent's
 * flags, that has loaded nothing but the two it serves with, node:net and node:http.
 */
export function nodeFloorMb(): number {
  const script =
    "require('node:net'); require('node:http'); setTimeout(() => console.log(process.memoryUsage().rss), 200)";
  return (
    Number(execFileSync(process.execPath, [...AGENT_NODE_FLAGS, '-e', script], { encoding: 'utf8' })) /
    2 ** 20
  );
}
