/**
 * What the function benchmarks stand on: a private redis-server, the Kubernetes API emulator over
 * HTTPS in its own process with `count` Deployments, a kubeconfig for it, and a registry of matching targets.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRegistry, type Registry } from '../../shared/config/registry.js';
import { RedisServer } from '../../emulator/stack/redis-server.js';

export interface Fixture {
  readonly redis: RedisServer;
  readonly registry: Registry;
  readonly kubeconfig: string;
  /** A private directory, removed by stop(). */
  readonly dir: string;
  stop(): Promise<void>;
}

export const targetName = (i: number) => `bench/model-${i}/v1`;
export const deploymentName = (i: number) => `model-${i}`;

export async function startFixture(
  count: number,
  imagesPerReplica = 4,
  maxReplicas = 1000,
  replicas = 0,
): Promise<Fixture> {
  const redis = await RedisServer.start();
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: { name: ${deploymentName(i)}, namespace: bench }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${deploymentName(i)} } }
  template:
    metadata: { labels: { app: ${deploymentName(i)} } }
    spec: { containers: [{ name: main, image: model }] }`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'prescaler-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const manifests = join(dir, 'deployments.yaml');
  writeFileSync(manifests, docs.join('\n---\n'));
  // The API server runs in its own process, as it would in a cluster, not on the bench's thread.
  const emulator = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'emulator/kube/main.ts',
      '--port',
      '0',
      '--kubeconfig',
      kubeconfig,
      '--manifests',
      manifests,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // Never outlive the benchmark, even when it fails.
  const killEmulator = () => emulator.kill('SIGKILL');
  process.once('exit', killEmulator);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    emulator.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('kubeconfig:')) resolve();
    });
    emulator.once('exit', (code) => reject(new Error(`kube emulator exited with ${code}: ${out}`)));
  });
  const targets: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    targets[targetName(i)] = {
      cluster: { kubeconfig },
      namespace: 'bench',
      deployment: deploymentName(i),
      imagesPerReplica,
      maxReplicas,
    };
  }
  return {
    redis,
    registry: parseRegistry({ targets }),
    kubeconfig,
    dir,
    async stop() {
      process.off('exit', killEmulator);
      const exited = new Promise((resolve) => emulator.once('exit', resolve));
      emulator.kill('SIGTERM');
      await exited;
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `body` on a fresh fixture and always stops it. */
export async function withFixture<T>(
  spec: Parameters<typeof startFixture>,
  body: (fixture: Fixture) => Promise<T>,
): Promise<T> {
  const fixture = await startFixture(...spec);
  try {
    return await body(fixture);
  } finally {
    await fixture.stop();
  }
}

/** The registry JSON of the fixture's first `count` targets, for function processes to load. */
export function writeRegistry(fixture: Fixture, count = 1): string {
  const file = join(fixture.dir, 'registry.json');
  const targets: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const { name, ...spec } = fixture.registry.get(targetName(i))!;
    targets[name] = spec;
  }
  writeFileSync(file, JSON.stringify({ targets }));
  return file;
}

/** The base64 Pub/Sub message of an "N images incoming" event. */
export const message = (target: string, batchId: string, images: number, publishTime?: string) => ({
  data: Buffer.from(JSON.stringify({ target, batchId, images })).toString('base64'),
  messageId: batchId,
  ...(publishTime ? { publishTime } : {}),
});

/** The headers of a Pub/Sub messagePublished CloudEvent in binary mode. */
const cloudEventHeaders = () => ({
  'content-type': 'application/json',
  'ce-id': randomUUID(),
  'ce-specversion': '1.0',
  'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
  'ce-source': '//pubsub.googleapis.com/projects/bench/topics/events',
});

/** POSTs a Pub/Sub messagePublished CloudEvent (binary mode) to a function. */
export function postEvent(url: string, data: object, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: cloudEventHeaders(),
    body: JSON.stringify(data),
    ...(signal ? { signal } : {}),
  });
}

/**
 * Sends many events the way Pub/Sub push does, on kept-alive connections (at most `connections`
 * per function), with Node's http client rather than fetch: the sender shares the machine with
 * the functions it measures, so it should cost them as little CPU as it can. Resolves to the
 * HTTP status.
 */
export function eventSender(connections: number): (url: string, data: object) => Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  return (url, data) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(data);
      const req = request(url, {
        method: 'POST',
        agent,
        headers: { ...cloudEventHeaders(), 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
