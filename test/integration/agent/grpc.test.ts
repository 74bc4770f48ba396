/**
 * The agent's h2c route with real gRPC: a @grpc/grpc-js client, the agent (in this process), a
 * grpc-js server of a TF-Serving-shaped PredictionService and a real redis-server. Status codes,
 * trailers, deadlines and cancellation pass through; counts follow the gRPC code; an upstream
 * that is down answers UNAVAILABLE.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import type { Agent } from '../../../agent/agent.js';
import { freePort } from '../../../emulator/stack/processes.js';
import { eventually, progress, startAgent, quiet } from '../../../bench/agent/support.js';
import {
  predict,
  predictClient,
  PredictServer,
  type PredictResponse,
} from '../../../bench/agent/model-servers.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';

const image = (bytes: number, name = 'ok') => ({
  model_spec: { name, signature_name: 'serving_default' },
  inputs: { images: { dtype: 7, tensor_content: Buffer.alloc(bytes, 7) } },
});

describe('prescaler agent, gRPC over h2c', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let model: PredictServer;
  let agent: Agent;
  let client: ReturnType<typeof predictClient>;
  let prefix: string;

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    redis = new Redis(redisServer.port, '127.0.0.1');
    model = await PredictServer.start();
  });
  afterAll(async () => {
    redis.disconnect();
    await model.stop();
    await redisServer.stop();
  });

  async function start(upstreamPort = model.port): Promise<void> {
    prefix = `t-${randomUUID().slice(0, 8)}`;
    ({ agent } = await startAgent({
      redisUrl: redisServer.url,
      prefix,
      routes: `8500=h2c://127.0.0.1:${upstreamPort}`,
    }));
    client = predictClient(`127.0.0.1:${agent.ports.get(8500)}`);
  }
  afterEach(async () => {
    client.close();
    model.release();
    await agent.shutdown(5000);
  });

  it('passes Predict through, keeps the heartbeat while it runs and counts OK as done', async () => {
    await start();
    const held = predict(client, image(1024, 'hold'), {
      'x-prescaler-batch': 'g1',
      'x-prescaler-images': '3',
    });
    await model.holding(1);
    await eventually(
      'heartbeat of 3 images',
      async () => (await progress(redis, prefix, 'g1')).heartbeat === 3,
    );
    model.release();
    const response = await held;
    expect(response.outputs?.size?.dtype).toBe(1024);
    await eventually('done counted, heartbeat gone', async () => {
      const p = await progress(redis, prefix, 'g1');
      return p.done === 3 && p.heartbeat === null;
    });
  });

  it('counts right under 200 concurrent calls of mixed codes, with 1 MiB echoed intact', async () => {
    await start();
    const names = ['ok', 'echo', 'invalid', 'unavailable'];
    const calls = Array.from({ length: 200 }, (_, i) => ({
      name: names[i % 4] as string,
      images: (i % 2) + 1,
    }));
    const results = await Promise.all(
      calls.map((c) =>
        predict(client, image(c.name === 'echo' ? 1 << 20 : 256, c.name), {
          'x-prescaler-batch': 'mixed',
          'x-prescaler-images': String(c.images),
        }).then(
          (r: PredictResponse) => ({ code: 0, bytes: r.outputs?.size?.tensor_content?.length ?? 0 }),
          (e: grpc.ServiceError) => ({ code: e.code, bytes: 0 }),
        ),
      ),
    );
    const want = calls.map((c) =>
      c.name === 'invalid'
        ? grpc.status.INVALID_ARGUMENT
        : c.name === 'unavailable'
          ? grpc.status.UNAVAILABLE
          : grpc.status.OK,
    );
    expect(results.map((r) => r.code)).toEqual(want);
    expect(results.filter((_, i) => calls[i]?.name === 'echo').every((r) => r.bytes === 1 << 20)).toBe(true);
    const sum = (name: string[]) =>
      calls.filter((c) => name.includes(c.name)).reduce((s, c) => s + c.images, 0);
    await eventually('every count written', async () => {
      const p = await progress(redis, prefix, 'mixed');
      return p.done === sum(['ok', 'echo']) && p.failed === sum(['invalid']) && p.heartbeat === null;
    });
  });

  it('carries server streaming with its trailing metadata', async () => {
    await start();
    const meta = new grpc.Metadata();
    meta.set('x-prescaler-batch', 's1');
    const call = client.PredictStream(image(4096), meta);
    const parts: number[] = [];
    const trailer = new Promise<grpc.Metadata>((resolve) =>
      call.on('status', (s: grpc.StatusObject) => resolve(s.metadata)),
    );
    for await (const message of call as AsyncIterable<PredictResponse>)
      parts.push(message.outputs?.part?.tensor_content?.length ?? -1);
    expect(parts).toEqual([4096, 4096, 4096]);
    expect((await trailer).get('x-test-parts')).toEqual(['3']);
    await eventually('done counted', async () => (await progress(redis, prefix, 's1')).done === 1);
  });

  it('passes a deadline through: the server sees the call cancelled, nothing is counted', async () => {
    await start();
    const before = model.cancelled;
    const call = predict(
      client,
      image(64, 'hold'),
      { 'x-prescaler-batch': 'late' },
      { deadline: new Date(Date.now() + 300) },
    );
    await expect(call).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    await eventually('the server saw the cancellation', () =>
      Promise.resolve(model.cancelled === before + 1),
    );
    await quiet(agent);
    expect(await progress(redis, prefix, 'late')).toEqual({ heartbeat: null, done: 0, failed: 0 });
  });

  it('passes a client cancellation through as RST_STREAM', async () => {
    await start();
    const before = model.cancelled;
    const meta = new grpc.Metadata();
    meta.set('x-prescaler-batch', 'cancel');
    const settled = new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.Predict(image(64, 'hold'), meta, {}, (error) => resolve(error));
      void model.holding(1).then(() => call.cancel());
    });
    expect(await settled).toMatchObject({ code: grpc.status.CANCELLED });
    await eventually('the server saw the cancellation', () =>
      Promise.resolve(model.cancelled === before + 1),
    );
    await quiet(agent);
    expect(await progress(redis, prefix, 'cancel')).toMatchObject({ done: 0, failed: 0 });
  });

  it('on shutdown lets the call under way finish and count, and sends no new call upstream', async () => {
    await start();
    const held = predict(client, image(64, 'hold'), { 'x-prescaler-batch': 'drain' });
    await model.holding(1);
    const calls = model.calls;
    const stopped = agent.shutdown(5000);
    // The caller was sent GOAWAY: a new call is refused here and finds no other pod to go to.
    await expect(predict(client, image(64), { 'x-prescaler-batch': 'drain' })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    expect(model.calls).toBe(calls);
    model.release();
    await expect(held).resolves.toMatchObject({ outputs: { size: { dtype: 64 } } });
    await stopped;
    expect(await progress(redis, prefix, 'drain')).toEqual({ heartbeat: null, done: 1, failed: 0 });
  });

  it('answers UNAVAILABLE when the upstream is down', async () => {
    await start(await freePort());
    await expect(predict(client, image(64), { 'x-prescaler-batch': 'down' })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringContaining('unavailable') as unknown,
    });
    await quiet(agent);
    expect(await progress(redis, prefix, 'down')).toEqual({ heartbeat: null, done: 0, failed: 0 });
  });
});
