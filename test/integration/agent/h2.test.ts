/**
 * The agent's h2c route with plain HTTP/2: a node:http2 client and server, and a client that
 * writes its frames by hand, through the agent (in this process) and a real redis-server. Status,
 * body and trailers pass unchanged and count by `:status`; on shutdown the caller gets GOAWAY, a
 * stream it opens after that is refused (RST_STREAM REFUSED_STREAM) and cancelled upstream before
 * it is answered, and the one under way finishes and counts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect as connectH2, createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { Agent } from '../../../agent/agent.js';
import { CLIENT_PREFACE, ErrorCode, FrameScanner, FrameType, frame } from '../../../agent/h2-frames.js';
import type { HeaderFields } from '../../../agent/hpack.js';
import { eventually, progress, startAgent, quiet } from '../../../bench/agent/support.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';

/** Literal fields without indexing, without Huffman coding (RFC 7541 section 6.2.2). */
function block(fields: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(fields).flatMap(([name, value]) => [
      Buffer.from([0x00, name.length]),
      Buffer.from(name),
      Buffer.from([value.length]),
      Buffer.from(value),
    ]),
  );
}

describe('prescaler agent, plain HTTP/2 over h2c', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let upstream: Http2Server;
  let agent: Agent;
  let port: number;
  let prefix: string;
  const held: ServerHttp2Stream[] = [];
  const cancelled: Array<[string, number]> = [];

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    redis = new Redis(redisServer.port, '127.0.0.1');
    upstream = createServer();
    upstream.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      if (path === '/hold' || path === '/second') {
        held.push(stream);
        stream.once('close', () => cancelled.push([path, stream.rstCode]));
        return;
      }
      if (path === '/drop') {
        // The upstream goes away with the stream under way.
        stream.respond({ ':status': 200 });
        stream.write(Buffer.alloc(100), () => stream.session?.destroy());
        return;
      }
      if (path === '/missing') {
        stream.respond({ ':status': 404 }, { endStream: true });
        return;
      }
      // /echo: the body back, then a trailer with its length.
      let length = 0;
      stream.respond(
        { ':status': 200, 'content-type': 'application/octet-stream' },
        { waitForTrailers: true },
      );
      stream.on('data', (chunk: Buffer) => (length += chunk.length));
      stream.once('wantTrailers', () => stream.sendTrailers({ 'x-length': String(length) }));
      stream.pipe(stream);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    redis.disconnect();
    await new Promise((resolve) => upstream.close(resolve));
    await redisServer.stop();
  });

  async function start(): Promise<void> {
    prefix = `t-${randomUUID().slice(0, 8)}`;
    const upstreamPort = (upstream.address() as AddressInfo).port;
    ({ agent } = await startAgent({
      redisUrl: redisServer.url,
      prefix,
      routes: `7070=h2c://127.0.0.1:${upstreamPort}`,
    }));
    port = agent.ports.get(7070) as number;
  }
  afterEach(async () => {
    for (const stream of held.splice(0))
      if (!stream.destroyed) stream.respond({ ':status': 200 }, { endStream: true });
    await agent.shutdown(5000);
  });

  it('passes status, a 4 MiB body and trailers through, counting 2xx done and 404 failed', async () => {
    await start();
    const session = connectH2(`http://127.0.0.1:${port}`);
    const body = randomBytes(4 << 20);
    const echoed = await new Promise<{ status: number; bytes: Buffer; trailers: Record<string, unknown> }>(
      (resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': '/echo',
          'x-prescaler-batch': 'h2',
          'x-prescaler-images': '4',
        });
        const parts: Buffer[] = [];
        let status = 0;
        let trailers: Record<string, unknown> = {};
        stream.once('response', (headers) => (status = Number(headers[':status'])));
        stream.once('trailers', (t: Record<string, unknown>) => (trailers = t));
        stream.on('data', (chunk: Buffer) => parts.push(chunk));
        stream.once('end', () => resolve({ status, bytes: Buffer.concat(parts), trailers }));
        stream.once('error', reject);
        stream.end(body);
      },
    );
    expect(echoed.status).toBe(200);
    expect(echoed.bytes.equals(body)).toBe(true);
    expect(echoed.trailers['x-length']).toBe(String(body.length));
    const missing = await new Promise<number>((resolve) => {
      const stream = session.request({ ':path': '/missing', 'x-prescaler-batch': 'h2' });
      stream.once('response', (headers) => resolve(Number(headers[':status'])));
      stream.resume();
    });
    expect(missing).toBe(404);
    session.close();
    await eventually('4 done and 1 failed', async () => {
      const p = await progress(redis, prefix, 'h2');
      return p.done === 4 && p.failed === 1 && p.heartbeat === null;
    });
  });

  it("ends the caller's streams when the upstream connection drops, and counts nothing", async () => {
    await start();
    const session = connectH2(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    const outcome = await new Promise<string>((resolve) => {
      const stream = session.request({ ':path': '/drop', 'x-prescaler-batch': 'drop' });
      stream.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      stream.once('close', () => resolve(`closed ${stream.rstCode}`));
      stream.resume();
      stream.end();
    });
    expect(outcome).not.toBe('closed 0');
    session.destroy();
    await quiet(agent);
    expect(await progress(redis, prefix, 'drop')).toEqual({ heartbeat: null, done: 0, failed: 0 });
  });

  it('on shutdown refuses and cancels a stream opened after it, finishes the one under way, then closes', async () => {
    await start();
    const seen: Array<[string, number, unknown]> = [];
    const answers = new FrameScanner(false, {
      headers: (id, fields: HeaderFields) => seen.push(['headers', id, fields[':status']]),
      endStream: (id) => seen.push(['end', id, undefined]),
      reset: (id, code) => seen.push(['reset', id, code]),
      lost: (reason) => seen.push(['lost', 0, reason]),
    });
    const socket: Socket = connect(port, '127.0.0.1');
    let acked = false;
    let ended = false;
    socket.on('data', (chunk: Buffer) => {
      answers.scan(chunk);
      // Acknowledge the upstream's SETTINGS, which arrive first.
      if (!acked) socket.write(frame(0x4, 0x1, 0, Buffer.alloc(0)));
      acked = true;
    });
    socket.once('end', () => {
      ended = true;
      socket.end();
    });
    const get = (id: number, path: string) =>
      frame(
        FrameType.HEADERS,
        0x4 | 0x1,
        id,
        block({
          ':method': 'GET',
          ':scheme': 'http',
          ':path': path,
          ':authority': 'model',
          'x-prescaler-batch': 'frames',
        }),
      );
    socket.write(Buffer.concat([CLIENT_PREFACE, frame(0x4, 0, 0, Buffer.alloc(0)), get(1, '/hold')]));
    await eventually('the upstream holds stream 1', () => Promise.resolve(held.length === 1));

    const stopped = agent.shutdown(5000);
    await eventually('the agent drains', () => Promise.resolve(agent.inFlight.requests === 1));
    socket.write(get(3, '/second'));
    await eventually('stream 3 refused', () =>
      Promise.resolve(seen.some(([kind, id]) => kind === 'reset' && id === 3)),
    );
    expect(seen).toContainEqual(['reset', 3, ErrorCode.REFUSED_STREAM]);
    await eventually('stream 3 cancelled upstream', () =>
      Promise.resolve(cancelled.some(([path]) => path === '/second')),
    );
    expect(cancelled).toContainEqual(['/second', ErrorCode.CANCEL]);
    expect(seen.filter(([, id]) => id === 3)).toEqual([['reset', 3, ErrorCode.REFUSED_STREAM]]);

    held[0]?.respond({ ':status': 200 }, { endStream: true });
    await eventually('the connection closes once stream 1 has ended', () => Promise.resolve(ended));
    expect(seen).toContainEqual(['headers', 1, '200']);
    await stopped;
    expect(await progress(redis, prefix, 'frames')).toEqual({ heartbeat: null, done: 1, failed: 0 });
    socket.destroy();
  });
});
