/**
 * The built agent as its own process (`prescaler-agent`, dist/agent/main.js): a 500 MB body
 * streamed through it with its resident memory sampled from /proc, SIGTERM with requests in
 * flight (they finish, new ones are refused, the process exits 0 and the heartbeat goes), and a
 * configuration error (exit 2 with a line naming the variable).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { AGENT_NODE_FLAGS } from '../../../agent/node-flags.js';
import { freePort } from '../../../emulator/stack/processes.js';
import { eventually, progress, send, spawnAgent, type SpawnedAgent } from '../../../bench/agent/support.js';
import { RestModelServer } from '../../../bench/agent/model-servers.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';

const MB = 1 << 20;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function* body(total: number, chunk = 256 * 1024): Iterable<Buffer> {
  const block = Buffer.alloc(chunk, 0x5a);
  for (let sent = 0; sent < total; sent += chunk) yield block.subarray(0, Math.min(chunk, total - sent));
}

describe('prescaler-agent as a process', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let model: RestModelServer;

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    redis = new Redis(redisServer.port, '127.0.0.1');
    model = await RestModelServer.start();
  });
  afterAll(async () => {
    redis.disconnect();
    await model.stop();
    await redisServer.stop();
  });

  async function spawnOne(prefix: string): Promise<{ agent: SpawnedAgent; port: number; admin: number }> {
    const [port, admin] = [await freePort(), await freePort()];
    const agent = await spawnAgent({
      redisUrl: redisServer.url,
      prefix,
      routes: `${port}=${model.url}`,
      adminPort: admin,
    });
    return { agent, port, admin };
  }

  it('streams a 500 MB body through with flat memory', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const { agent, port } = await spawnOne(prefix);
    const pid = agent.child.pid as number;
    const baseline = rssBytes(pid);
    const total = 500 * MB;
    // Peak resident memory while the first half of the body passes, and while the second does.
    const peaks = [baseline, baseline];
    let sent = 0;
    const sampler = setInterval(() => {
      const half = sent < total / 2 ? 0 : 1;
      peaks[half] = Math.max(peaks[half] as number, rssBytes(pid));
    }, 10);
    function* counted(): Iterable<Buffer> {
      for (const chunk of body(total)) {
        sent += chunk.length;
        yield chunk;
      }
    }
    const answer = await send(port, '/v1/models/resnet101:predict', {
      headers: { 'x-prescaler-batch': 'big', 'content-length': String(total) },
      body: counted(),
    });
    clearInterval(sampler);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ receivedBytes: total });
    const [first, second] = peaks as [number, number];
    // Buffering would grow with the body: 250 MB more by the second half. Streaming holds a
    // bounded amount (socket buffers, and chunks the garbage collector has not reclaimed yet).
    expect(Math.max(first, second) - baseline).toBeLessThan(total / 4);
    expect(second).toBeLessThan(first + 32 * MB);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect((await progress(redis, prefix, 'big')).done).toBe(1);
  });

  it('on SIGTERM finishes the requests in flight, refuses new ones, lets the heartbeat go and exits 0', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const { agent, port, admin } = await spawnOne(prefix);
    const held = Array.from({ length: 3 }, () =>
      send(port, '/v1/models/resnet101:predict', {
        headers: { 'x-prescaler-batch': 'term', 'x-test-hold': '1' },
        body: '{}',
      }),
    );
    await model.holding(3);
    agent.child.kill('SIGTERM');
    // The admin port stays up while draining: healthz says so, and /drain waits.
    for (;;) {
      const health = await send(admin, '/healthz', { method: 'GET' });
      if ((JSON.parse(health.body) as { status: string }).status === 'draining') break;
    }
    await expect(send(port, '/v1/models/resnet101:predict', { body: '{}' })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    // Heartbeat writes are coalesced beside the data path: the held requests show up in Redis soon.
    await eventually(
      'the heartbeat shows the 3 held requests',
      async () => (await progress(redis, prefix, 'term')).heartbeat === 3,
    );
    const drain = send(admin, '/drain', { method: 'GET' });
    model.release();
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200, 200]);
    expect((await drain).status).toBe(200);
    expect(await agent.exited).toBe(0);
    expect(await progress(redis, prefix, 'term')).toEqual({ heartbeat: null, done: 3, failed: 0 });
    const events = agent.lines.map((l) => (JSON.parse(l) as { event?: string }).event);
    expect(events).toEqual(
      expect.arrayContaining(['agent_started', 'signal', 'agent_draining', 'agent_stopped']),
    );
  });

  it('exits 2 with a line naming the variable when the configuration is wrong', async () => {
    const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, 'dist/agent/main.js'], {
      env: {
        PATH: process.env.PATH,
        PRESCALER_TARGET: 'not-a-target',
        POD_NAME: 'p-0',
        PRESCALER_AGENT_ROUTES: '8501=http://127.0.0.1:1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    const line = JSON.parse(err.trim()) as { severity: string; message: string; event: string; hint: string };
    expect(line).toMatchObject({ severity: 'ERROR', event: 'config_invalid' });
    expect(line.message).toContain('PRESCALER_TARGET = "not-a-target"');
    expect(line.hint).toContain('registry name');
  });
});
