/**
 * The `prescaler` command against real services: `progress` writes the progress-contract keys in
 * a private redis-server, `publish` delivers through the Pub/Sub emulator, `status` reads the
 * ledger and the Kubernetes API emulator, and the built bin (dist/) exits 2 naming a bad flag.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Message, Subscription } from '@google-cloud/pubsub';
import type { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { KubeEmulator } from '../../../emulator/kube/index.js';
import type { RedisServer } from '../../../emulator/stack/redis-server.js';
import { run } from '../../../cli/commands.js';
import { Ledger } from '../../../shared/redis/ledger.js';
import { TargetKeys } from '../../../shared/redis/keys.js';
import { ProgressReporter } from '../../../shared/redis/progress.js';
import { freshPrefix } from '../../support/function-deps.js';
import {
  BUILT_FUNCTIONS,
  deploymentManifest,
  namespaceManifest,
  servicesForSuite,
  writeRegistry,
} from '../../support/services-suite.js';

const T = 'acme/resnet101/v1';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('prescaler command', () => {
  const services = servicesForSuite('cli-test');
  let server: RedisServer;
  let redis: Redis;
  let host: string;
  let subscription: Subscription;
  const prefix = freshPrefix();

  beforeAll(async () => {
    ({ server, redis, host } = services);
    const [topic] = await services.pubsub.createTopic('cli-events');
    [subscription] = await topic.createSubscription('cli-pull');
  });

  it('progress writes the done and failed hashes of the contract', async () => {
    const { out, io } = capture();
    const env = { REDIS_URL: server.url, PRESCALER_KEY_PREFIX: prefix };
    expect(
      await run(['progress', '--target', T, '--batch', 'b1', '--done', '7', '--failed', '2'], env, io),
    ).toBe(0);
    expect(await run(['progress', '--target', T, '--batch', 'b1', '--done', '1'], env, io)).toBe(0);
    const keys = new TargetKeys(prefix, T);
    expect(keys.done).toBe(`${prefix}:{${T}}:done`);
    expect(await redis.hget(keys.done, 'b1')).toBe('8');
    expect(await redis.hget(keys.failed, 'b1')).toBe('2');
    expect(out.at(-1)).toContain('8 done, 2 failed');
  });

  it('progress fails with exit 1 and a hint when Redis cannot be reached', async () => {
    const { err, io } = capture();
    const env = { REDIS_URL: 'redis://127.0.0.1:1' };
    expect(await run(['progress', '--target', T, '--batch', 'b1', '--done', '1'], env, io)).toBe(1);
    expect(err.join('\n')).toContain('cannot reach Redis at redis://127.0.0.1:1');
  });

  it('publish delivers the event through the Pub/Sub emulator', async () => {
    const { out, io } = capture();
    const env = { PUBSUB_EMULATOR_HOST: host, PUBSUB_PROJECT_ID: 'cli-test', PRESCALER_TOPIC: 'cli-events' };
    const code = await run(
      ['publish', '--target', T, '--images', '400', '--batch', 'b-42', '--deadline', '600'],
      env,
      io,
    );
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('to cli-events on the Pub/Sub emulator');
    const data = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10_000);
      subscription.once('message', (message: Message) => {
        clearTimeout(timer);
        message.ack();
        resolve(message.data.toString());
      });
    });
    await subscription.close();
    expect(JSON.parse(data)).toEqual({ target: T, batchId: 'b-42', images: 400, deadlineSeconds: 600 });
  });

  it('status shows replicas from the Kubernetes API, outstanding work and recent decisions', async () => {
    const { dir } = services;
    const kube = await KubeEmulator.start();
    try {
      kube.applyManifest(namespaceManifest('ml'));
      kube.applyManifest(deploymentManifest('resnet', 'ml', 3));
      const kubeconfig = join(dir, 'kubeconfig');
      await kube.writeKubeconfig(kubeconfig);
      const registryFile = await writeRegistry(dir, {
        [T]: {
          cluster: { kubeconfig },
          namespace: 'ml',
          deployment: 'resnet',
          imagesPerReplica: 1,
          maxReplicas: 9,
        },
      });
      const ledger = new Ledger(prefix);
      await ledger.register(redis, T, { batchId: 'open-1', images: 5 }, 1_700_000_000_000);
      await ledger.record(redis, T, {
        nowMs: 1_700_000_000_000,
        from: 0,
        to: 5,
        decision: {
          event: 'prescale',
          at: '2023-11-14T22:13:20.000Z',
          from: 0,
          to: 5,
          reason: '5 images outstanding',
        },
      });
      await redis.hincrby(new TargetKeys(prefix, T).done, 'open-1', 2);
      // Busy pods: one with the plain heartbeat, one with a holder entry, one idle again.
      await new ProgressReporter(redis, T, 'pod-a', prefix).heartbeat(1);
      await new ProgressReporter(redis, T, 'pod-b', prefix).hold('worker-1', 2);
      const idle = new ProgressReporter(redis, T, 'pod-c', prefix);
      await idle.hold('worker-1', 1);
      await idle.release('worker-1', 1);
      const { out, io } = capture();
      const env = {
        REDIS_URL: server.url,
        PRESCALER_KEY_PREFIX: prefix,
        PRESCALER_TARGETS_FILE: registryFile,
      };
      expect(await run(['status'], env, io)).toBe(0);
      const text = out.join('\n');
      expect(text).toContain('replicas: 3 desired');
      expect(text).toContain('outstanding: 3 image(s) in 1 open batch(es)');
      expect(text).toContain('batch open-1: 2/5 done');
      expect(text).toContain('prescale 0 -> 5: 5 images outstanding');
      const json = capture();
      expect(await run(['status', '--json'], env, json.io)).toBe(0);
      expect(JSON.parse(json.out.join(''))).toMatchObject([
        { target: T, desired: 3, outstanding: 3, busyPods: 2 },
      ]);
    } finally {
      await kube.stop();
    }
  });

  it('the built command exits 2 and names the flag on bad input', () => {
    const bin = join(dirname(BUILT_FUNCTIONS), '..', 'cli', 'main.js');
    const result = spawnSync(process.execPath, [bin, 'publish', '--target', T, '--images', 'x'], {
      encoding: 'utf8',
      env: { ...process.env, PRESCALER_TOPIC: 'cli-events' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--images: "x" must be an integer from 1');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: prescaler');
  });
});
