/**
 * The agent's HTTP/1.1 route with real traffic: a client, the agent (in this process), a
 * TF-Serving-shaped REST model server and a real redis-server. Heartbeat while busy, counts by
 * outcome under 200 concurrent requests, a 3 MiB body echoed intact with its trailers, 502 when
 * the upstream is down, counts kept through a Redis crash, /drain waiting for the last request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { Agent } from '../../../agent/agent.js';
import { freePort } from '../../../emulator/stack/processes.js';
import { MessageScanner } from '../../../agent/http1-framing.js';
import { eventually, progress, send, startAgent, quiet } from '../../../bench/agent/support.js';
import { RestModelServer } from '../../../bench/agent/model-servers.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';

const PREDICT = '/v1/models/resnet101:predict';

describe('prescaler agent, HTTP/1.1', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let model: RestModelServer;
  let agent: Agent;
  let port: number;
  let prefix: string;

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    redis = new Redis(redisServer.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    model = await RestModelServer.start();
  });
  afterAll(async () => {
    redis.disconnect();
    await model.stop();
    await redisServer.stop();
  });

  async function start(routes = `8501=${model.url}`): Promise<void> {
    prefix = `t-${randomUUID().slice(0, 8)}`;
    ({ agent } = await startAgent({ redisUrl: redisServer.url, prefix, routes }));
    port = agent.ports.get(8501) as number;
  }
  afterEach(async () => {
    model.release();
    await agent.shutdown(5000);
  });

  it('keeps a heartbeat while a request is in flight, counts it done, and deletes the heartbeat at zero', async () => {
    await start();
    const answer = send(port, PREDICT, {
      headers: { 'x-prescaler-batch': 'b1', 'x-prescaler-images': '4', 'x-test-hold': '1' },
      body: '{"instances":[1,2,3,4]}',
    });
    await model.holding(1);
    await eventually(
      'the heartbeat shows 4 images',
      async () => (await progress(redis, prefix, 'b1')).heartbeat === 4,
    );
    expect(await progress(redis, prefix, 'b1')).toEqual({ heartbeat: 4, done: 0, failed: 0 });
    model.release();
    const response = await answer;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ receivedBytes: 23, path: PREDICT });
    await eventually('done counted and heartbeat gone', async () => {
      const p = await progress(redis, prefix, 'b1');
      return p.done === 4 && p.heartbeat === null;
    });
    const metrics = await send(agent.adminPort, '/metrics', { method: 'GET' });
    expect(metrics.body).toMatch(/prescaler_agent_images_total\{outcome="done"\} 4/);
    expect(metrics.body).toMatch(/prescaler_agent_requests_total\{route="8501",outcome="done"\} 1/);
  });

  it('counts right under 200 concurrent requests of mixed outcomes', async () => {
    await start();
    // status -> how it counts: 2xx done, 4xx failed except 408/429, the rest nothing.
    const statuses = [200, 201, 400, 404, 408, 429, 500, 503];
    const sent = Array.from({ length: 200 }, (_, i) => ({
      status: statuses[i % statuses.length] as number,
      images: (i % 3) + 1,
      tagged: i % 10 !== 9,
    }));
    const answers = await Promise.all(
      sent.map((r) =>
        send(port, PREDICT, {
          headers: {
            'x-test-status': String(r.status),
            ...(r.tagged ? { 'x-prescaler-batch': 'mixed', 'x-prescaler-images': String(r.images) } : {}),
          },
          body: '{"instances":[0]}',
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(sent.map((r) => r.status));
    const expectDone = sent.filter((r) => r.tagged && r.status < 300).reduce((s, r) => s + r.images, 0);
    const expectFailed = sent
      .filter((r) => r.tagged && (r.status === 400 || r.status === 404))
      .reduce((s, r) => s + r.images, 0);
    await eventually('every count written', async () => {
      const p = await progress(redis, prefix, 'mixed');
      return p.done === expectDone && p.failed === expectFailed && p.heartbeat === null;
    });
    expect(await progress(redis, prefix, 'mixed')).toEqual({
      heartbeat: null,
      done: expectDone,
      failed: expectFailed,
    });
  });

  it('streams a large body both ways byte for byte and passes the trailers', async () => {
    // An echo upstream that answers chunked, with the body's digest as a trailer.
    const echo = createServer((req, res) => {
      const hash = createHash('sha256');
      res.writeHead(200, { 'content-type': 'application/octet-stream', trailer: 'x-digest' });
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        res.write(chunk);
      });
      req.on('end', () => {
        res.addTrailers({ 'x-digest': hash.digest('hex') });
        res.end();
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    try {
      await start(`8501=http://127.0.0.1:${(echo.address() as AddressInfo).port}`);
      const body = randomBytes(3 << 20);
      const answer = await new Promise<{ body: Buffer; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: PREDICT,
            method: 'POST',
            headers: { 'x-prescaler-batch': 'echo' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ body: Buffer.concat(chunks), trailers: res.trailers }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.body.equals(body)).toBe(true);
      expect(answer.trailers['x-digest']).toBe(createHash('sha256').update(body).digest('hex'));
      await quiet(agent);
      expect(await progress(redis, prefix, 'echo')).toEqual({ heartbeat: null, done: 1, failed: 0 });
    } finally {
      echo.closeAllConnections();
      echo.close();
    }
  });

  it('follows pipelined requests, a HEAD, a chunked upload and 100-continue, counting each by its status', async () => {
    await start();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const statuses: number[] = [];
    const methods = ['POST', 'HEAD', 'POST', 'POST'];
    const answers = new MessageScanner(
      'response',
      {
        head: (head) => statuses.push(head.status ?? 0),
        end: () => methods.shift(),
        lost: (reason) => statuses.push(-1, reason.length),
      },
      () => methods[0],
    );
    socket.on('data', (chunk: Buffer) => answers.scan(chunk));
    const head = (method: string, more: string) =>
      `${method} ${PREDICT} HTTP/1.1\r\nHost: m\r\nx-prescaler-batch: frames\r\n${more}\r\n`;
    // Three requests in one write: a 404, a HEAD, and a chunked upload.
    socket.write(
      head('POST', 'x-test-status: 404\r\nContent-Length: 2\r\n') +
        '{}' +
        head('HEAD', '') +
        head('POST', 'Transfer-Encoding: chunked\r\n') +
        '1\r\n{\r\n1\r\n}\r\n0\r\n\r\n',
    );
    // Then one that waits for 100 Continue before sending its body.
    socket.write(head('POST', 'Expect: 100-continue\r\nContent-Length: 2\r\n'));
    await eventually('100 Continue', () => Promise.resolve(statuses.length === 4));
    socket.write('{}');
    await eventually('every answer', () => Promise.resolve(methods.length === 0));
    expect(statuses).toEqual([404, 200, 200, 100, 200]);
    socket.end();
    await eventually('3 done and 1 failed', async () => {
      const p = await progress(redis, prefix, 'frames');
      return p.done === 3 && p.failed === 1 && p.heartbeat === null;
    });
  });

  it('cuts the caller off when the upstream drops a response half-way, and counts nothing', async () => {
    const dropper = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(100));
      setTimeout(() => res.destroy(), 20);
    });
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', () => resolve()));
    try {
      await start(`8501=http://127.0.0.1:${(dropper.address() as AddressInfo).port}`);
      await expect(
        send(port, PREDICT, { headers: { 'x-prescaler-batch': 'cut' }, body: '{}' }),
      ).rejects.toThrow();
      await quiet(agent);
      expect(await progress(redis, prefix, 'cut')).toEqual({ heartbeat: null, done: 0, failed: 0 });
    } finally {
      dropper.closeAllConnections();
      dropper.close();
    }
  });

  it('answers 502 when the upstream is down, and counts nothing', async () => {
    await start(`8501=http://127.0.0.1:${await freePort()}`);
    const answer = await send(port, PREDICT, { headers: { 'x-prescaler-batch': 'down' }, body: '{}' });
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(/unavailable: ECONNREFUSED/);
    await quiet(agent);
    expect(await progress(redis, prefix, 'down')).toEqual({ heartbeat: null, done: 0, failed: 0 });
  });

  it('keeps serving while Redis is down and writes every count once Redis is back', async () => {
    await start();
    await redisServer.kill();
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        send(port, PREDICT, {
          headers: { 'x-prescaler-batch': 'crash', 'x-prescaler-images': '2' },
          body: '{}',
        }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await eventually('counts wait for Redis', () => Promise.resolve(agent.writer.pendingImages === 60));
    await redisServer.restart();
    await eventually(
      'all 60 images counted once Redis is back',
      async () => (await progress(redis, prefix, 'crash')).done === 60,
    );
    const metrics = await send(agent.adminPort, '/metrics', { method: 'GET' });
    expect(metrics.body).toMatch(/prescaler_agent_redis_errors_total [1-9]/);
    expect(metrics.body).not.toMatch(/prescaler_agent_images_lost_total\{[^}]*\} [1-9]/);
  });

  it('on shutdown closes an idle keep-alive connection at once and a busy one after its response', async () => {
    await start();
    const open = () =>
      new Promise<Socket>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.on('error', () => undefined);
        socket.resume();
      });
    const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const [idle, busy] = [await open(), await open()];
    const answer: Buffer[] = [];
    busy.on('data', (chunk: Buffer) => answer.push(chunk));
    const request = (hold: boolean) =>
      `POST ${PREDICT} HTTP/1.1\r\nHost: m\r\nContent-Length: 2\r\nx-prescaler-batch: keep\r\n` +
      `${hold ? 'x-test-hold: 1\r\n' : ''}\r\n{}`;
    idle.write(request(false));
    await eventually('the first answer', () => Promise.resolve(idle.bytesRead > 0));
    busy.write(request(true));
    await model.holding(1);
    const [idleClosed, busyClosed] = [closed(idle), closed(busy)];
    let busyDone = false;
    void busyClosed.then(() => (busyDone = true));
    const stopped = agent.shutdown(5000);
    await idleClosed;
    expect(busyDone).toBe(false);
    model.release();
    await busyClosed;
    expect(Buffer.concat(answer).toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
    await stopped;
    expect(await progress(redis, prefix, 'keep')).toEqual({ heartbeat: null, done: 2, failed: 0 });
  });

  it('forwards no request that arrives after shutdown closed its idle connection', async () => {
    await start();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const answers: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answers.push(chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const request = `POST ${PREDICT} HTTP/1.1\r\nHost: m\r\nContent-Length: 2\r\nx-prescaler-batch: late\r\n\r\n{}`;
    socket.write(request);
    await eventually('the first answer', () => Promise.resolve(answers.length > 0));
    const received = model.bytes;
    // Shutdown closes the idle connection at once; the caller's next request crosses that close.
    const stopped = agent.shutdown(5000);
    socket.write(request);
    await closed;
    await stopped;
    expect(model.bytes).toBe(received);
    expect(
      Buffer.concat(answers)
        .toString('latin1')
        .match(/^HTTP\/1\.1 /gm),
    ).toHaveLength(1);
    expect(await progress(redis, prefix, 'late')).toEqual({ heartbeat: null, done: 1, failed: 0 });
  });

  it('/drain answers only once the last request has ended', async () => {
    await start();
    const held = send(port, PREDICT, { headers: { 'x-test-hold': '1' }, body: '{}' });
    await model.holding(1);
    let drained = false;
    const drain = send(agent.adminPort, '/drain', { method: 'GET' }).then((a) => {
      drained = true;
      return a;
    });
    // Other requests come and go while the held one stays: /drain must still wait.
    expect((await send(port, PREDICT, { body: '{}' })).status).toBe(200);
    expect((await send(agent.adminPort, '/healthz', { method: 'GET' })).body).toContain('"inFlight":1');
    expect(drained).toBe(false);
    model.release();
    expect((await held).status).toBe(200);
    const answer = await drain;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ drained: true, inFlight: 0 });
    const bounded = await send(agent.adminPort, '/drain?timeoutSeconds=abc', { method: 'GET' });
    expect(bounded.status).toBe(400);
    expect(bounded.body).toContain('timeoutSeconds = \\"abc\\"');
  });
});
