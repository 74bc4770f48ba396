/**
 * A real Redis Cluster for tests: three redis-server masters in cluster mode on free loopback
 * ports, joined with `redis-cli --cluster create`, ready once every node reports cluster_state:ok.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RedisServer } from '../../emulator/stack/redis-server.js';

const exec = promisify(execFile);

async function waitForState(nodes: readonly RedisServer[]): Promise<void> {
  for (const node of nodes) {
    const client = new Redis({ port: node.port, maxRetriesPerRequest: 1 });
    try {
      for (let i = 0; i < 500; i++) {
        const info = await client.call('CLUSTER', 'INFO');
        if (String(info).includes('cluster_state:ok')) break;
        await sleep(20);
      }
    } finally {
      client.disconnect();
    }
  }
}

export class RedisCluster {
  private constructor(
    readonly nodes: readonly RedisServer[],
    private readonly dir: string,
  ) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'prescaler-cluster-'));
    const nodes = await Promise.all(
      Array.from({ length: masters }, (_, i) =>
        RedisServer.start([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${i}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
        ]),
      ),
    );
    const cluster = new RedisCluster(nodes, dir);
    await exec('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitForState(nodes);
    return cluster;
  }

  /** The URL of the first node: the cluster client discovers the others from it. */
  get url(): string {
    return this.nodes[0]?.url ?? '';
  }

  get running(): boolean {
    return this.nodes.every((n) => n.running);
  }

  /** Kills every node (like an outage of the whole cluster). */
  async kill(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
  }

  /** Starts the nodes again; they rejoin from their nodes.conf and serve once the state is ok. */
  async restart(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.restart()));
    await waitForState(this.nodes);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
