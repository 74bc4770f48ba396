/**
 * What the `prescaler` commands do: `publish` an "images incoming" event to Pub/Sub (or its
 * emulator), print `status` from the ledger in Redis and the Deployments in the Kubernetes API,
 * and report `progress` through the workers' contract. `run` takes its arguments, environment and
 * output as parameters and returns the exit code: 0 done, 1 failed, 2 bad usage.
 */
import type { Redis } from 'ioredis';
import { systemClock } from '../shared/clock.js';
import { ENV } from '../shared/config/env.js';
import { loadSettings } from '../shared/config/settings.js';
import type { TargetSpec } from '../shared/config/registry.js';
import { parseEvent } from '../shared/event.js';
import { ClusterAccess } from '../shared/kube/cluster.js';
import { redisOptions, RedisHandle } from '../shared/redis/client.js';
import { TargetKeys } from '../shared/redis/keys.js';
import { Ledger } from '../shared/redis/ledger.js';
import { ProgressReporter } from '../shared/redis/progress.js';
import {
  parseCommand,
  UsageError,
  USAGE,
  type Env,
  type ProgressCommand,
  type PublishCommand,
  type StatusCommand,
} from './args.js';

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: Output = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
};

/** Runs `use` with a Redis client made as the functions make theirs (shared/redis/client.ts). */
async function withClient<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const handle = new RedisHandle(redisOptions({ url }));
  try {
    const redis = await handle.get().catch((error: unknown) => {
      throw new Error(
        `cannot reach Redis at ${url}: ${(error as Error).message} (check --redis or REDIS_URL)`,
      );
    });
    return await use(redis);
  } finally {
    await handle.close();
  }
}

export async function publish(cmd: PublishCommand, env: Env, io: Output): Promise<void> {
  const event = {
    target: cmd.target,
    batchId: cmd.batchId,
    images: cmd.images,
    ...(cmd.deadlineSeconds !== undefined ? { deadlineSeconds: cmd.deadlineSeconds } : {}),
  };
  const data = Buffer.from(JSON.stringify(event));
  parseEvent(data); // the same check the prescale function makes
  const emulator = env.PUBSUB_EMULATOR_HOST;
  // Against the emulator no Google credentials are involved: skip the metadata-server probe.
  if (emulator) process.env.METADATA_SERVER_DETECTION ??= 'none';
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({
    ...(cmd.project ? { projectId: cmd.project } : {}),
    ...(emulator ? { apiEndpoint: emulator, emulatorMode: true } : {}),
  });
  try {
    const messageId = await pubsub.topic(cmd.topic).publishMessage({ data });
    const where = emulator ? `the Pub/Sub emulator at ${emulator}` : 'Pub/Sub';
    io.out(`published ${JSON.stringify(event)} to ${cmd.topic} on ${where}: message ${messageId}`);
  } catch (error) {
    const hint = emulator
      ? 'is the local stack running (npm start), and the topic created there?'
      : 'check the topic, the project (--project) and your application default credentials';
    throw new Error(`publishing to ${cmd.topic} failed: ${(error as Error).message} (${hint})`, {
      cause: error,
    });
  } finally {
    await pubsub.close();
  }
}

export async function progress(cmd: ProgressCommand, io: Output): Promise<void> {
  await withClient(cmd.redisUrl, async (redis) => {
    const reporter = new ProgressReporter(redis, cmd.target, 'prescaler-cli', cmd.prefix);
    if (cmd.done > 0) await reporter.done(cmd.batchId, cmd.done);
    if (cmd.failed > 0) await reporter.failed(cmd.batchId, cmd.failed);
    const keys = new TargetKeys(cmd.prefix, cmd.target);
    const [done, failed, total] = await Promise.all([
      redis.hget(keys.done, cmd.batchId),
      redis.hget(keys.failed, cmd.batchId),
      redis.hget(keys.total, cmd.batchId),
    ]);
    const of = total === null ? ' (batch not announced, or already retired)' : ` of ${total}`;
    io.out(`${cmd.target} batch ${cmd.batchId}: ${done ?? 0} done, ${failed ?? 0} failed${of}`);
  });
}

export interface TargetStatus {
  readonly target: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly desired: number | null;
  readonly ready: number | null;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly kubeError?: string;
  readonly outstanding: number;
  readonly batches: Array<{ batchId: string; total: number; done: number; failed: number }>;
  readonly busyPods: number;
  readonly decisions: Array<Record<string, unknown>>;
}

/**
 * Reads a Deployment's replicas through the same cluster access as the functions: the kubeconfig
 * given, or the target's cluster (GKE or kubeconfig).
 */
async function readReplicas(
  access: ClusterAccess,
  target: TargetSpec,
  kubeconfig: string | undefined,
): Promise<{ desired: number; ready: number | null }> {
  const cluster = kubeconfig === undefined ? target.cluster : { kubeconfig };
  const api = await access.apiFor(cluster);
  const state = await api.readDeployment(target);
  return { desired: state.replicas, ready: state.readyReplicas ?? null };
}

async function busyPods(redis: Redis, keys: TargetKeys): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.pod('*'), 'COUNT', 200);
    cursor = next;
    const values = found.length > 0 ? await redis.mget(found) : [];
    count += values.filter((v) => Number(v ?? 0) > 0).length;
  } while (cursor !== '0');
  return count;
}

export async function collectStatus(cmd: StatusCommand, env: Env): Promise<TargetStatus[]> {
  const settings = loadSettings({
    ...env,
    ...(cmd.targetsFile ? { [ENV.targetsFile]: cmd.targetsFile, [ENV.targets]: undefined } : {}),
  });
  const targets = settings.registry.targets.filter((t) => cmd.target === undefined || t.name === cmd.target);
  if (cmd.target !== undefined && targets.length === 0) {
    throw new UsageError(
      `--target: "${cmd.target}" is not registered; targets: ${settings.registry.names.join(', ')}`,
    );
  }
  const ledger = new Ledger(cmd.prefix);
  // The Kubernetes reads first: loading client-node blocks the event loop longer than a Redis
  // command may wait.
  const access = new ClusterAccess({ clock: systemClock });
  const replicasOf = await Promise.all(
    targets.map((target) =>
      readReplicas(access, target, cmd.kubeconfig).catch((error: unknown) => error as Error),
    ),
  );
  return withClient(cmd.redisUrl, (redis) =>
    Promise.all(
      targets.map(async (target, i): Promise<TargetStatus> => {
        const replicas = replicasOf[i] as Error | { desired: number; ready: number | null };
        const keys = new TargetKeys(cmd.prefix, target.name);
        const [total, done, failed, busy, decisions] = await Promise.all([
          redis.hgetall(keys.total),
          redis.hgetall(keys.done),
          redis.hgetall(keys.failed),
          busyPods(redis, keys),
          ledger.recentDecisions(redis, target.name, cmd.decisions),
        ]);
        const batches = Object.entries(total).map(([batchId, images]) => ({
          batchId,
          total: Number(images),
          done: Number(done[batchId] ?? 0),
          failed: Number(failed[batchId] ?? 0),
        }));
        const { outstanding } = await ledger.summary(redis, target.name, systemClock.now());
        return {
          target: target.name,
          namespace: target.namespace,
          deployment: target.deployment,
          desired: replicas instanceof Error ? null : replicas.desired,
          ready: replicas instanceof Error ? null : replicas.ready,
          minReplicas: target.minReplicas,
          maxReplicas: target.maxReplicas,
          ...(replicas instanceof Error ? { kubeError: replicas.message } : {}),
          outstanding,
          batches,
          busyPods: busy,
          decisions: cmd.decisions > 0 ? decisions : [],
        };
      }),
    ),
  );
}

export function formatStatus(statuses: readonly TargetStatus[]): string[] {
  const lines: string[] = [];
  const n = (v: number | null) => (v === null ? '?' : String(v));
  for (const s of statuses) {
    lines.push(
      `${s.target}  (${s.namespace}/${s.deployment}, ${s.minReplicas}-${s.maxReplicas} replicas)`,
      `  replicas: ${n(s.desired)} desired, ${n(s.ready)} ready; outstanding: ${s.outstanding} image(s) in ${s.batches.length} open batch(es); busy pods: ${s.busyPods}`,
    );
    if (s.kubeError) lines.push(`  Kubernetes API: ${s.kubeError}`);
    for (const b of s.batches)
      lines.push(`  batch ${b.batchId}: ${b.done}/${b.total} done, ${b.failed} failed`);
    if (s.decisions.length > 0) lines.push('  recent decisions:');
    for (const d of s.decisions) {
      const at = typeof d.at === 'string' ? d.at : '';
      const event = typeof d.event === 'string' ? d.event : 'decision';
      const from = typeof d.from === 'number' ? d.from : typeof d.current === 'number' ? d.current : '?';
      const to = typeof d.to === 'number' ? d.to : typeof d.applied === 'number' ? d.applied : '?';
      const reason = typeof d.reason === 'string' ? d.reason : '';
      lines.push(`    ${at} ${event} ${from} -> ${to}: ${reason}`);
    }
  }
  return lines;
}

export async function status(cmd: StatusCommand, env: Env, io: Output): Promise<void> {
  const statuses = await collectStatus(cmd, env);
  if (cmd.json) io.out(JSON.stringify(statuses, null, 2));
  else io.out(formatStatus(statuses).join('\n'));
}

/** Runs one command line; returns the exit code. */
export async function run(argv: readonly string[], env: Env, io: Output = stdio): Promise<number> {
  try {
    const cmd = parseCommand(argv, env);
    switch (cmd.command) {
      case 'help':
        io.out(USAGE);
        return 0;
      case 'publish':
        await publish(cmd, env, io);
        return 0;
      case 'status':
        await status(cmd, env, io);
        return 0;
      case 'progress':
        await progress(cmd, io);
        return 0;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`prescaler: ${error.message}`);
      return 2;
    }
    io.err(`prescaler: ${(error as Error).message}`);
    return 1;
  }
}
