/**
 * The `prescaler` command in cluster mode (REDIS_MODE=cluster) against a real 3-master Redis
 * Cluster: `status` reads the ledger, progress and heartbeats of targets whose keys sit on
 * different masters, `progress` writes through the cluster client, and the user `workers-acl`
 * prints, created on every node, lets a worker report its own target's progress with the cluster
 * client (its done count and heartbeats) and nothing else, which `status` then shows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeEmulator } from '../../../emulator/kube/index.js';
import { repoRoot } from '../../../emulator/stack/stack.js';
import { run } from '../../../cli/commands.js';
import { Ledger } from '../../../shared/redis/ledger.js';
import { TargetKeys } from '../../../shared/redis/keys.js';
import { ProgressReporter } from '../../../shared/redis/progress.js';
import { RedisCluster } from '../../support/redis-cluster.js';
import { deploymentBody } from '../../unit/emulator/kube/support/fixtures.js';

const NS = 'ml';
/** Two targets whose keys hash to slots on different masters. */
const TARGETS = { 'acme/resnet/v1': 'resnet', 'acme/vit/v2': 'vit' } as const;
const NAMES = Object.keys(TARGETS) as Array<keyof typeof TARGETS>;
const [A = 'acme/resnet/v1', B = 'acme/vit/v2'] = NAMES;
const NOW = 1_700_000_000_000;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('prescaler command on a Redis Cluster', () => {
  const prefix = `k${randomUUID().slice(0, 8)}`;
  let cluster: RedisCluster;
  let admin: Cluster;
  let kube: KubeEmulator;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    [cluster, kube] = await Promise.all([RedisCluster.start(), KubeEmulator.start()]);
    admin = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]?.port ?? 0 }]);
    dir = await mkdtemp(join(tmpdir(), 'prescaler-cli-cluster-'));
    kube.applyManifest(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
    for (const [i, deployment] of Object.values(TARGETS).entries()) {
      const body = deploymentBody(deployment, i + 2);
      kube.applyManifest(stringify({ ...body, metadata: { ...body.metadata, namespace: NS } }));
    }
    const kubeconfig = join(dir, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfig);
    const registry = join(dir, 'registry.json');
    const targets = Object.fromEntries(
      Object.entries(TARGETS).map(([name, deployment]) => [
        name,
        { cluster: { kubeconfig }, namespace: NS, deployment, imagesPerReplica: 1, maxReplicas: 9 },
      ]),
    );
    await writeFile(registry, JSON.stringify({ targets }));
    env = {
      REDIS_URL: cluster.url,
      REDIS_MODE: 'cluster',
      PRESCALER_KEY_PREFIX: prefix,
      PRESCALER_TARGETS_FILE: registry,
    };
  }, 60_000);

  afterAll(async () => {
    admin?.disconnect();
    await kube?.stop();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the two targets on different masters (so the reads span the cluster)', () => {
    const slot = (name: string) =>
      Number(
        spawnSync(
          'redis-cli',
          ['-p', String(cluster.nodes[0]?.port), 'cluster', 'keyslot', new TargetKeys(prefix, name).done],
          { encoding: 'utf8' },
        ).stdout.trim(),
      );
    const owner = (s: number) => Math.floor((s * 3) / 16384);
    expect(owner(slot(A))).not.toBe(owner(slot(B)));
  });

  it('status reads outstanding work, progress, busy pods and replicas of every target', async () => {
    const ledger = new Ledger(prefix);
    await ledger.register(admin, A, { batchId: 'a-1', images: 6 }, NOW);
    await ledger.register(admin, B, { batchId: 'b-1', images: 4 }, NOW);
    await ledger.register(admin, B, { batchId: 'b-2', images: 3 }, NOW);
    expect(await run(['progress', '--target', A, '--batch', 'a-1', '--done', '2'], env, capture().io)).toBe(
      0,
    );
    expect(
      await run(
        ['progress', '--target', B, '--batch', 'b-2', '--done', '0', '--failed', '1'],
        env,
        capture().io,
      ),
    ).toBe(0);
    await new ProgressReporter(admin, A, 'pod-a', prefix).heartbeat(2);
    await new ProgressReporter(admin, B, 'pod-b', prefix).hold('worker-1', 1);
    await new ProgressReporter(admin, B, 'pod-c', prefix).hold('worker-1', 1);

    const json = capture();
    expect(await run(['status', '--json'], env, json.io)).toBe(0);
    const statuses = JSON.parse(json.out.join('')) as Array<Record<string, unknown>>;
    expect(statuses).toEqual([
      expect.objectContaining({
        target: A,
        desired: 2,
        outstanding: 4,
        busyPods: 1,
        batches: [{ batchId: 'a-1', total: 6, done: 2, failed: 0 }],
      }),
      expect.objectContaining({ target: B, desired: 3, outstanding: 6, busyPods: 2 }),
    ]);
    const text = capture();
    expect(await run(['status', '--target', B], env, text.io)).toBe(0);
    expect(text.out.join('\n')).toContain('batch b-2: 0/3 done, 1 failed');
  });

  it('the built command reads the cluster too', () => {
    const bin = join(repoRoot(), 'dist', 'cli', 'main.js');
    const result = spawnSync(process.execPath, [bin, 'status', '--target', A, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ target: A, outstanding: 4 })]);
  });

  it('workers-acl: the user, created on every node, reports its own target with the cluster client and nothing else', async () => {
    const password = randomBytes(18).toString('base64url');
    const acl = capture();
    expect(
      await run(
        ['workers-acl', '--target', A, '--password-env', 'WORKER_PW'],
        { ...env, WORKER_PW: password },
        acl.io,
      ),
    ).toBe(0);
    const [command = ''] = acl.out;
    const [, , user = '', ...rules] = command.split(' ');
    for (const node of cluster.nodes) {
      const direct = new Redis({ port: node.port, maxRetriesPerRequest: 1 });
      try {
        expect(await direct.call('ACL', 'SETUSER', user, ...rules)).toBe('OK');
      } finally {
        direct.disconnect();
      }
    }
    const worker = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]?.port ?? 0 }], {
      // INFO is not granted: skip the node ready check that would send it.
      redisOptions: { username: user, password, enableReadyCheck: false },
    });
    try {
      const reporter = new ProgressReporter(worker, A, 'pod-w', prefix);
      await reporter.done('a-1', 1);
      await reporter.hold('worker-1', 1);
      await expect(worker.hincrby(new TargetKeys(prefix, B).done, 'b-1', 1)).rejects.toThrow(/NOPERM/);
      await expect(worker.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
      await expect(worker.hset(new TargetKeys(prefix, A).total, 'forged', 100)).rejects.toThrow(/NOPERM/);
    } finally {
      worker.disconnect();
    }
    expect(await admin.hget(new TargetKeys(prefix, A).total, 'forged')).toBeNull();
    const json = capture();
    expect(await run(['status', '--target', A, '--json'], env, json.io)).toBe(0);
    expect(JSON.parse(json.out.join(''))).toEqual([
      expect.objectContaining({ target: A, outstanding: 3, busyPods: 2 }),
    ]);
  });
});
