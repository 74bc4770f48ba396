/**
 * What the soak does to the stack at random, one step at a time: Redis refusing writes for a few
 * steps (maxmemory 1, as when it runs out of memory), Redis restarts (the redis-server process is
 * killed and started again on the same port a few steps later; it runs with `appendonly yes` and
 * `appendfsync always`, as Memorystore with persistence, so every acknowledged write survives),
 * readiness flaps (a Ready pod fails its probe for 10-30 s) and rollouts (a new image patched into
 * a Deployment's template through the API, which the emulator's Deployment controller rolls out).
 */
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Redis } from 'ioredis';
import type { KubeEmulator } from '../../emulator/kube/index.js';
import type { RedisServer } from '../../emulator/stack/redis-server.js';
import { isReady } from './workers.js';

/** redis-server arguments: an append-only file fsynced on every write, in `dir`. */
export const persistentRedisArgs = (dir: string): string[] => [
  '--appendonly',
  'yes',
  '--appendfsync',
  'always',
  '--dir',
  dir,
];

export class Disruptions {
  rollouts = 0;
  redisRestarts = 0;
  private refusing = 0;
  private down = 0;
  private readonly flapped = new Map<string, number>();
  private readonly apps: AppsV1Api;
  private image = 5;

  constructor(
    private readonly random: () => number,
    private readonly emulator: KubeEmulator,
    private readonly server: RedisServer,
    private readonly admin: Redis,
    kubeconfig: string,
    private readonly namespaces: readonly string[],
  ) {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    this.apps = config.makeApiClient(AppsV1Api);
  }

  /** Redis refuses writes or is down: announcements are refused, reports retried. */
  get redisUnavailable(): boolean {
    return this.refusing > 0 || this.down > 0;
  }

  /** Redis outages: ends the current one when its time is up, or starts one at random. */
  async redis(disrupting: boolean): Promise<void> {
    if (this.down > 0) {
      if (--this.down === 0) await this.restart();
      return;
    }
    if (this.refusing > 0) {
      if (--this.refusing === 0) await this.admin.config('SET', 'maxmemory', '0');
      return;
    }
    if (!disrupting) return;
    const roll = this.random();
    if (roll < 0.01) {
      this.refusing = 2 + Math.floor(this.random() * 4);
      await this.admin.config('SET', 'maxmemory', '1');
    } else if (roll < 0.02) {
      this.down = 1 + Math.floor(this.random() * 3);
      this.redisRestarts++;
      await this.server.kill();
    }
  }

  /** Starts redis-server again and waits (real time) for the clients to reconnect on their own. */
  private async restart(): Promise<void> {
    await this.server.restart();
    for (let i = 0; i < 100 && this.admin.status !== 'ready'; i++)
      await new Promise((r) => setTimeout(r, 50));
  }

  /** Brings Redis back for the end of the run. */
  async heal(): Promise<void> {
    if (this.down > 0) await this.restart();
    if (this.refusing > 0) await this.admin.config('SET', 'maxmemory', '0');
    this.down = 0;
    this.refusing = 0;
  }

  /** Readiness flaps: ends those due, and starts one at random. */
  flaps(now: number, disrupting: boolean): void {
    for (const [key, until] of this.flapped) {
      if (now < until) continue;
      this.flapped.delete(key);
      const [ns, name] = key.split('/') as [string, string];
      if (this.emulator.listPods(ns).some((p) => p.metadata.name === name))
        this.emulator.setPodReady(ns, name, true);
    }
    if (!disrupting || this.random() >= 0.1) return;
    const ns = this.pick();
    const ready = this.emulator.listPods(ns).filter((p) => isReady(p) && !p.metadata.deletionTimestamp);
    const pod = ready[Math.floor(this.random() * ready.length)];
    if (pod) {
      this.emulator.setPodReady(ns, pod.metadata.name, false);
      this.flapped.set(`${ns}/${pod.metadata.name}`, now + 10_000 + this.random() * 20_000);
    }
  }

  /** A rollout at random: a new image in one Deployment's template, as `kubectl set image` does. */
  async rollout(deployment: string, disrupting: boolean): Promise<void> {
    if (!disrupting || this.random() >= 0.05) return;
    const namespace = this.pick();
    this.image += 1;
    await this.apps.patchNamespacedDeployment({
      name: deployment,
      namespace,
      body: [
        {
          op: 'replace',
          path: '/spec/template/spec/containers/0/image',
          value: `tensorflow/serving:2.${this.image}.0`,
        },
      ],
    });
    this.rollouts++;
  }

  private pick(): string {
    return this.namespaces[Math.floor(this.random() * this.namespaces.length)] as string;
  }
}
