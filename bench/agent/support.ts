/**
 * The agent for tests: in this process on free ports (`startAgent`), or as its own process from
 * the build (`spawnAgent`, for memory and signal tests), configured through the same environment
 * variables a pod gives it. Plus small HTTP helpers and a Redis reader of the progress keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Agent } from '../../agent/agent.js';
import { AGENT_NODE_FLAGS } from '../../agent/node-flags.js';
import { parseAgentConfig } from '../../agent/config.js';
import { systemClock } from '../../shared/clock.js';
import { MemoryLogger } from '../../shared/log.js';
import { TargetKeys } from '../../shared/redis/keys.js';

export const TARGET = 'acme/resnet101/v1';

export interface AgentEnv {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly routes: string;
  readonly pod?: string;
  readonly adminPort?: number;
  readonly extra?: Record<string, string>;
}

function env(options: AgentEnv): Record<string, string> {
  return {
    PRESCALER_TARGET: TARGET,
    POD_NAME: options.pod ?? 'resnet-0',
    REDIS_URL: options.redisUrl,
    PRESCALER_KEY_PREFIX: options.prefix,
    PRESCALER_AGENT_ROUTES: options.routes,
    PRESCALER_AGENT_ADMIN_PORT: String(options.adminPort ?? 9091),
    ...options.extra,
  };
}

/** An agent in this process on free loopback ports; `agent.ports.get(configured)` gives the real one. */
export async function startAgent(options: AgentEnv): Promise<{ agent: Agent; logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const agent = new Agent(parseAgentConfig(env(options)), {
    logger,
    clock: systemClock,
    host: '127.0.0.1',
    anyPort: true,
  });
  await agent.start();
  return { agent, logger };
}

export interface SpawnedAgent {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
}

/** The built agent (dist/agent/main.js) as a child process; resolves once it logged agent_started. */
export async function spawnAgent(options: AgentEnv): Promise<SpawnedAgent> {
  const main = 'dist/agent/main.js';
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, main], {
    env: { PATH: process.env.PATH, ...env(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killChild);
      resolve(code);
    }),
  );
  const started = new Promise<void>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (line.includes('"agent_started"')) resolve();
      });
    }
    void exited.then((code) => reject(new Error(`the agent exited with ${code}:\n${lines.join('\n')}`)));
  });
  await started;
  return { child, lines, exited };
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP/1.1 request; `body` may be a string or an async iterable of chunks (streamed). */
export function send(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Iterable<Buffer> | AsyncIterable<Buffer>;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (body === undefined || typeof body === 'string') {
      req.end(body);
      return;
    }
    void (async () => {
      for await (const chunk of body) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(reject);
  });
}

/** The progress keys of the test target: heartbeat of `pod`, done and failed of `batch`. */
/** Waits until the agent has nothing in flight and Redis holds all it has counted. */
export async function quiet(agent: Agent): Promise<void> {
  await agent.inFlight.idle();
  await agent.inFlight.settled();
  await agent.writer.drained();
}

export async function progress(redis: Redis, prefix: string, batch: string, pod = 'resnet-0') {
  const keys = new TargetKeys(prefix, TARGET);
  const [heartbeat, done, failed] = await Promise.all([
    redis.get(keys.pod(pod)),
    redis.hget(keys.done, batch),
    redis.hget(keys.failed, batch),
  ]);
  return {
    heartbeat: heartbeat === null ? null : Number(heartbeat),
    done: Number(done ?? 0),
    failed: Number(failed ?? 0),
  };
}

/** Polls `probe` until true; throws with `what` after `limitMs` (a bound for a hung test, not a timing check). */
export async function eventually(
  what: string,
  probe: () => Promise<boolean>,
  limitMs = 30_000,
): Promise<void> {
  for (let waited = 0; waited < limitMs; waited += 20) {
    if (await probe()) return;
    await sleep(20);
  }
  throw new Error(`never happened: ${what}`);
}
