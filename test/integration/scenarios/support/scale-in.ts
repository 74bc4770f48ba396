/**
 * The harness of the scale-in scenarios: a real redis-server, the Kubernetes API emulator on a
 * virtual clock with the ledger as its busy probe, a TCP endpoint that never answers, and
 * reconcile deps whose ScaleApi can be wrapped to act between reconcile's reads and its write.
 * `scaleInHarness()` is called inside a describe (it registers beforeAll/afterAll).
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ManualClock } from '../../../../shared/clock.js';
import { ClusterAccess } from '../../../../shared/kube/cluster.js';
import type { ScaleApi } from '../../../../shared/kube/scale-api.js';
import { MemoryLogger } from '../../../../shared/log.js';
import { RedisHandle, redisOptions } from '../../../../shared/redis/client.js';
import { Ledger } from '../../../../shared/redis/ledger.js';
import { ProgressReporter } from '../../../../shared/redis/progress.js';
import { runReconcile, type ReconcileDeps, type TargetReport } from '../../../../functions/reconcile.js';
import { KubeEmulator } from '../../../../emulator/kube/index.js';
import { RedisServer } from '../../../../emulator/stack/redis-server.js';
import { localSettings } from '../../../../emulator/stack/settings.js';

export const START = Date.parse('2026-01-01T00:00:00Z');
/** Long enough for a loaded machine's emulator; the endpoint that never answers takes all of it. */
export const REQUEST_TIMEOUT_MS = 5000;
export const target = (namespace: string) => `acme/${namespace}/v1`;

export interface ManifestOptions {
  readonly startup?: number;
  readonly grace?: number;
  readonly replicas?: number;
  readonly image?: string;
}

export function manifest(namespace: string, options: ManifestOptions = {}): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: resnet
  namespace: ${namespace}
  annotations:
    emulator.prescaler.dev/startup-seconds: "${options.startup ?? 10}"
spec:
  replicas: ${options.replicas ?? 0}
  selector: { matchLabels: { app: resnet } }
  template:
    metadata: { labels: { app: resnet } }
    spec:
      terminationGracePeriodSeconds: ${options.grace ?? 60}
      containers: [{ name: serving, image: ${options.image ?? 'tensorflow/serving:2.5.1'} }]
`;
}

export type Wrap = Partial<Record<keyof ScaleApi, (api: ScaleApi, ...args: never[]) => Promise<unknown>>>;

/** The harness's servers, set once beforeAll has run. */
export interface Servers {
  emulator: KubeEmulator;
  client: Redis;
  kubeconfig: string;
  blackHole: Server;
}

export function scaleInHarness() {
  const clock = new ManualClock(START);
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const ledger = new Ledger(prefix);
  const logger = new MemoryLogger();
  let server: RedisServer;
  let redis: RedisHandle;
  const h = {} as Servers;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new RedisHandle(redisOptions({ url: server.url }));
    h.client = (await redis.get()) as Redis;
    h.emulator = await KubeEmulator.start({
      clock,
      busyProbe: async (pod) =>
        (await h.client.exists(ledger.keys(target(pod.metadata.namespace ?? '')).pod(pod.metadata.name))) ===
        1,
    });
    h.kubeconfig = join(mkdtempSync(join(tmpdir(), 'prescaler-')), 'kubeconfig');
    await h.emulator.writeKubeconfig(h.kubeconfig);
    h.blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => h.blackHole.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => h.blackHole.close(resolve));
    await h.emulator.stop();
    await redis.close();
    await server.stop();
    rmSync(dirname(h.kubeconfig), { recursive: true, force: true });
  });

  /** Deps for targets in `namespaces`, each with a ScaleApi wrapped by `wrap`. */
  function depsFor(
    namespaces: readonly string[],
    spec: Record<string, unknown> = {},
    wrap: Wrap = {},
    extra: Record<string, Record<string, unknown>> = {},
  ): ReconcileDeps {
    const access = new ClusterAccess({ clock, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    const targets = Object.fromEntries(
      namespaces.map((ns) => [
        target(ns),
        {
          cluster: { kubeconfig: h.kubeconfig },
          namespace: ns,
          deployment: 'resnet',
          imagesPerReplica: 1,
          maxReplicas: 20,
          secondsPerImage: 20,
          scaleIn: {
            stabilizationSeconds: 0,
            policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
          },
          ...spec,
        },
      ]),
    );
    return {
      settings: localSettings({ ...targets, ...extra }, server.url, prefix, { reconcileConcurrency: 16 }),
      redis,
      ledger,
      clusters: {
        apiFor: async (cluster) => {
          const api = await access.apiFor(cluster);
          const wrapped = { ...api } as Record<string, unknown>;
          for (const key of Object.keys(wrap) as Array<keyof ScaleApi>) {
            wrapped[key] = (...args: never[]) =>
              (wrap[key] as NonNullable<Wrap[keyof ScaleApi]>)(api, ...args);
          }
          for (const key of [
            'readScale',
            'writeScale',
            'readDeployment',
            'listPods',
            'annotatePod',
            'otherAutoscalers',
            'listReplicaSets',
          ] as const) {
            wrapped[key] ??= (api[key] as (...a: unknown[]) => unknown).bind(api);
          }
          return wrapped as unknown as ScaleApi;
        },
      },
      clock,
      logger,
    };
  }

  async function pass(deps: ReconcileDeps, ns: string): Promise<TargetReport> {
    const report = (await runReconcile(deps)).targets.find((t) => t.target === target(ns));
    if (report === undefined) throw new Error(`no report for ${ns}`);
    return report;
  }

  async function advance(seconds: number): Promise<void> {
    clock.advance(seconds * 1000);
    await h.emulator.tick();
  }

  const replicas = (ns: string) => h.emulator.getDeployment(ns, 'resnet')?.spec.replicas;
  const podNames = (ns: string) =>
    h.emulator
      .listPods(ns, 'app=resnet')
      .filter((p) => p.metadata.deletionTimestamp === undefined)
      .map((p) => p.metadata.name);
  const reporter = (ns: string, pod: string) => new ProgressReporter(h.client, target(ns), pod, prefix);

  /** Registers `images`, scales up through reconcile and waits until every pod is Ready. */
  async function running(deps: ReconcileDeps, ns: string, images: number, batchId = 'b1'): Promise<string[]> {
    await ledger.register(h.client, target(ns), { batchId, images }, clock.now());
    const report = await pass(deps, ns);
    // The whole report on a mismatch, so an error names its cause.
    expect(report.action === 'scale_up' && report.applied === images ? undefined : report).toBeUndefined();
    await advance(11);
    return podNames(ns);
  }

  return { h, clock, prefix, ledger, logger, depsFor, pass, advance, replicas, podNames, reporter, running };
}
