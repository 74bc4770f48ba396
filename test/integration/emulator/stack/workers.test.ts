/**
 * The stack's simulated workers against the Kubernetes API emulator on the system clock and a
 * real redis-server: a pod picked for deletion takes no new image and finishes those it holds
 * within its grace period, as a worker does on SIGTERM; a grace period shorter than an image
 * loses the images held when the pod goes, and they count as interrupted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { systemClock } from '../../../../shared/clock.js';
import { TargetKeys } from '../../../../shared/redis/keys.js';
import { KubeEmulator } from '../../../../emulator/kube/index.js';
import { RedisServer } from '../../../../emulator/stack/redis-server.js';
import { Workers, type WorkerTarget } from '../../../../emulator/stack/workers.js';
import { jobsDeployment } from '../../../support/jobs-deployment.js';

const PREFIX = 'workers-test';

/** Polls `probe` until true; a bound for a hung test, not a timing check. */
async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 20) {
    if (await probe()) return;
    await sleep(20);
  }
  throw new Error(`never happened: ${what}`);
}

describe('simulated workers when their pod is deleted', () => {
  let server: RedisServer;
  let redis: Redis;
  let emu: KubeEmulator | undefined;
  let workers: Workers | undefined;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  afterEach(async () => {
    await workers?.stop();
    await emu?.stop();
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  /** One Deployment of one pod whose worker holds two images of a 10-image batch. */
  async function holdingTwo(name: string, graceSeconds: number, msPerImage: number) {
    emu = await KubeEmulator.start({ tls: false, tickMs: 20 });
    emu.applyManifest(jobsDeployment(name, { startupSeconds: 0.1, graceSeconds }));
    const target: WorkerTarget = {
      name: `acme/${name}/v1`,
      namespace: 'jobs',
      deployment: name,
      imagesPerReplica: 2,
      msPerImage,
    };
    const running = new Workers({
      redis,
      prefix: PREFIX,
      targets: [target],
      pods: emu,
      clock: systemClock,
      heartbeatSeconds: 3,
      pollMs: 20,
    });
    workers = running;
    emu.events.on('podRemoved', (record) => running.podRemoved(record.namespace, record.name));
    const keys = new TargetKeys(PREFIX, target.name);
    await redis.hset(keys.total, 'b1', 10);
    running.start();
    await until('the pod holds two images', () => running.busyPods(target.name) === 1);
    const [pod] = emu.listPods('jobs', `app=${name}`);
    expect(await redis.get(keys.pod(pod?.metadata.name ?? ''))).toBe('2');
    return { running, target, keys, pod: pod?.metadata.name ?? '' };
  }

  it('finishes what it holds within the grace period and takes nothing new', async () => {
    const { running, keys, pod } = await holdingTwo('graceful', 5, 300);
    emu?.scale('jobs', 'graceful', 0);
    await until(
      'the worker finished its two images',
      async () => (await redis.hget(keys.done, 'b1')) === '2',
    );
    await until('the heartbeat is gone', async () => (await redis.exists(keys.pod(pod))) === 0);
    // Still Terminating for the rest of its 5 s: no new image is taken meanwhile.
    await sleep(700);
    expect(emu?.listPods('jobs', 'app=graceful')).toHaveLength(1);
    expect(await redis.hget(keys.done, 'b1')).toBe('2');
    expect(running.interrupted).toBe(0);
  });

  it('loses the images still held when the pod is gone before they finish', async () => {
    const { running, keys } = await holdingTwo('abrupt', 0.2, 3000);
    emu?.scale('jobs', 'abrupt', 0);
    await until('the pod is gone', () => emu?.listPods('jobs', 'app=abrupt').length === 0);
    await until('the two images count as interrupted', () => running.interrupted === 2);
    expect(await redis.hget(keys.done, 'b1')).toBeNull();
  });
});
