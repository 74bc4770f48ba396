/**
 * Scale-in in the situations real clusters live in, one row each: reconcile (real
 * @kubernetes/client-node over HTTPS, real Redis) against the Kubernetes API emulator, on virtual
 * time. Races are made with a ScaleApi wrapper that acts between reconcile's reads and its
 * write: a registration, a readiness flap, Redis refusing writes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ManualClock } from '../../../shared/clock.js';
import { ClusterAccess } from '../../../shared/kube/cluster.js';
import type { ScaleApi } from '../../../shared/kube/scale-api.js';
import { MemoryLogger } from '../../../shared/log.js';
import { RedisHandle, redisOptions } from '../../../shared/redis/client.js';
import { Ledger } from '../../../shared/redis/ledger.js';
import { ProgressReporter } from '../../../shared/redis/progress.js';
import { runReconcile, type ReconcileDeps, type TargetReport } from '../../../functions/reconcile.js';
import { KubeEmulator } from '../../../emulator/kube/index.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';
import { localSettings } from '../../../emulator/stack/settings.js';

const START = Date.parse('2026-01-01T00:00:00Z');
/** Long enough for a loaded machine's emulator; the endpoint that never answers takes all of it. */
const REQUEST_TIMEOUT_MS = 5000;
const target = (namespace: string) => `acme/${namespace}/v1`;

function manifest(namespace: string, options: { startup?: number; grace?: number } = {}): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: resnet
  namespace: ${namespace}
  annotations:
    emulator.prescaler.dev/startup-seconds: "${options.startup ?? 10}"
spec:
  replicas: 0
  selector: { matchLabels: { app: resnet } }
  template:
    metadata: { labels: { app: resnet } }
    spec:
      terminationGracePeriodSeconds: ${options.grace ?? 60}
      containers: [{ name: serving, image: tensorflow/serving:2.5.1 }]
`;
}

type Wrap = Partial<Record<keyof ScaleApi, (api: ScaleApi, ...args: never[]) => Promise<unknown>>>;

describe('safe scale-in scenarios', () => {
  const clock = new ManualClock(START);
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const ledger = new Ledger(prefix);
  const logger = new MemoryLogger();
  let server: RedisServer;
  let emulator: KubeEmulator;
  let redis: RedisHandle;
  let client: Redis;
  let kubeconfig: string;
  let blackHole: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new RedisHandle(redisOptions({ url: server.url }));
    client = (await redis.get()) as Redis;
    emulator = await KubeEmulator.start({
      clock,
      busyProbe: async (pod) =>
        (await client.exists(ledger.keys(target(pod.metadata.namespace ?? '')).pod(pod.metadata.name))) === 1,
    });
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'prescaler-')), 'kubeconfig');
    await emulator.writeKubeconfig(kubeconfig);
    blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
    await emulator.stop();
    await redis.close();
    await server.stop();
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
          cluster: { kubeconfig },
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
    await emulator.tick();
  }

  const replicas = (ns: string) => emulator.getDeployment(ns, 'resnet')?.spec.replicas;
  const podNames = (ns: string) =>
    emulator
      .listPods(ns, 'app=resnet')
      .filter((p) => p.metadata.deletionTimestamp === undefined)
      .map((p) => p.metadata.name);
  const reporter = (ns: string, pod: string) => new ProgressReporter(client, target(ns), pod, prefix);

  /** Registers `images`, scales up through reconcile and waits until every pod is Ready. */
  async function running(deps: ReconcileDeps, ns: string, images: number, batchId = 'b1'): Promise<string[]> {
    await ledger.register(client, target(ns), { batchId, images }, clock.now());
    expect(await pass(deps, ns)).toMatchObject({ action: 'scale_up', applied: images });
    await advance(11);
    return podNames(ns);
  }

  const rows: Array<[string, () => Promise<void>]> = [
    [
      'an HPA on a registered Deployment: conflict naming it, no scale-in',
      async () => {
        emulator.applyManifest(manifest('hpa'));
        const deps = depsFor(['hpa']);
        await running(deps, 'hpa', 4);
        await reporter('hpa', 'x').done('b1', 4);
        emulator.applyAutoscaler(
          {
            kind: 'HorizontalPodAutoscaler',
            apiVersion: 'autoscaling/v2',
            metadata: { name: 'resnet-cpu' },
            spec: {
              scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'resnet' },
              maxReplicas: 10,
            },
          },
          'hpa',
        );
        const report = await pass(deps, 'hpa');
        expect(report).toMatchObject({ action: 'conflict', applied: null });
        expect(report.reason).toContain('HorizontalPodAutoscaler/resnet-cpu');
        expect(replicas('hpa')).toBe(4);
      },
    ],
    [
      'a KEDA ScaledObject on a registered Deployment: conflict naming it',
      async () => {
        emulator.applyManifest(manifest('keda'));
        const deps = depsFor(['keda']);
        await running(deps, 'keda', 2);
        await reporter('keda', 'x').done('b1', 2);
        emulator.applyAutoscaler(
          {
            kind: 'ScaledObject',
            apiVersion: 'keda.sh/v1alpha1',
            metadata: { name: 'resnet-queue' },
            spec: { scaleTargetRef: { name: 'resnet' } },
          },
          'keda',
        );
        const report = await pass(deps, 'keda');
        expect(report).toMatchObject({ action: 'conflict', applied: null });
        expect(report.reason).toContain('ScaledObject/resnet-queue');
      },
    ],
    [
      'an announcement between the read and the write: the fence holds the scale-in',
      async () => {
        emulator.applyManifest(manifest('fence'));
        let announce = false;
        const deps = depsFor(
          ['fence'],
          {},
          {
            listPods: async (api, ...args) => {
              const pods = await api.listPods(...(args as unknown as Parameters<ScaleApi['listPods']>));
              if (announce)
                await ledger.register(client, target('fence'), { batchId: 'b2', images: 6 }, clock.now());
              return pods;
            },
          },
        );
        await running(deps, 'fence', 6);
        await reporter('fence', 'x').done('b1', 6);
        announce = true;
        const report = await pass(deps, 'fence');
        expect(report).toMatchObject({ action: 'none', applied: null });
        expect(report.reason).toContain('fence moved');
        expect(replicas('fence')).toBe(6);
        announce = false;
        expect(await pass(deps, 'fence')).toMatchObject({ action: 'none', desired: 6 });
      },
    ],
    [
      'an announcement during the write: scaled back up at once',
      async () => {
        emulator.applyManifest(manifest('during'));
        let announce = false;
        const deps = depsFor(
          ['during'],
          {},
          {
            writeScale: async (api, ...args) => {
              if (announce)
                await ledger.register(client, target('during'), { batchId: 'b2', images: 5 }, clock.now());
              return api.writeScale(...(args as unknown as Parameters<ScaleApi['writeScale']>));
            },
          },
        );
        await running(deps, 'during', 6);
        await reporter('during', 'x').done('b1', 6);
        announce = true;
        const report = await pass(deps, 'during');
        expect(report.reason).toContain('scaled back up to 5');
        expect(replicas('during')).toBe(5);
      },
    ],
    [
      'Redis failing between the write and the record: the next pass keeps the step policy',
      async () => {
        emulator.applyManifest(manifest('redis'));
        let fail = false;
        const deps = depsFor(
          ['redis'],
          { scaleIn: { stabilizationSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } },
          {
            writeScale: async (api, ...args) => {
              const written = await api.writeScale(
                ...(args as unknown as Parameters<ScaleApi['writeScale']>),
              );
              // Redis refuses every write from here on (as when it runs out of memory or fails over).
              if (fail) await client.config('SET', 'maxmemory', '1');
              return written;
            },
          },
        );
        await running(deps, 'redis', 6);
        await reporter('redis', 'x').done('b1', 6);
        fail = true;
        const first = await pass(deps, 'redis');
        await client.config('SET', 'maxmemory', '0');
        fail = false;
        expect(first).toMatchObject({ action: 'scale_in', applied: 4 });
        expect(replicas('redis')).toBe(4);
        await advance(10);
        const second = await pass(deps, 'redis');
        expect(second).toMatchObject({ action: 'none', applied: null });
        expect(second.reason).toContain('step limit');
        expect(replicas('redis')).toBe(4);
      },
    ],
    [
      'a queued batch behind a long one, staleSeconds shorter than the queue: nothing expires',
      async () => {
        emulator.applyManifest(manifest('queue'));
        const deps = depsFor(['queue'], {
          imagesPerReplica: 4,
          scaleIn: { stabilizationSeconds: 0, staleSeconds: 30 },
        });
        await ledger.register(client, target('queue'), { batchId: 'long', images: 8 }, clock.now());
        await ledger.register(client, target('queue'), { batchId: 'queued', images: 4 }, clock.now());
        expect(await pass(deps, 'queue')).toMatchObject({ action: 'scale_up', applied: 3 });
        for (let i = 1; i <= 8; i++) {
          await advance(20);
          await reporter('queue', 'x').done('long', 1);
          const report = await pass(deps, 'queue');
          expect(report.expired).toEqual([]);
          expect(report.outstanding).toBe(12 - i);
        }
        // The queued batch's images are still owed: its capacity stays.
        expect(replicas('queue')).toBe(3);
      },
    ],
    [
      'no pod Ready for longer than staleSeconds: nothing expires, the report warns',
      async () => {
        emulator.applyManifest(manifest('unready', { startup: 100_000 }));
        const deps = depsFor(['unready'], { scaleIn: { stabilizationSeconds: 0, staleSeconds: 30 } });
        await ledger.register(client, target('unready'), { batchId: 'b1', images: 4 }, clock.now());
        expect(await pass(deps, 'unready')).toMatchObject({ action: 'scale_up', applied: 4 });
        for (let i = 0; i < 6; i++) {
          await advance(30);
          const report = await pass(deps, 'unready');
          expect(report).toMatchObject({ expired: [], outstanding: 4 });
          if (i > 0) expect(report.warnings.join()).toContain('no pod is Ready');
        }
        expect(replicas('unready')).toBe(4);
      },
    ],
    [
      'a busy pod turning NotReady after the listing: removed, its image finishes within the grace period',
      async () => {
        emulator.applyManifest(manifest('flap', { grace: 60 }));
        const flapping: { pod?: string } = {};
        const deps = depsFor(
          ['flap'],
          {},
          {
            writeScale: async (api, ...args) => {
              const written = await api.writeScale(
                ...(args as unknown as Parameters<ScaleApi['writeScale']>),
              );
              // The probe fails after reconcile listed the pods, before the ReplicaSet picks pods.
              if (flapping.pod !== undefined) emulator.setPodReady('flap', flapping.pod, false);
              return written;
            },
          },
        );
        const pods = await running(deps, 'flap', 4);
        // Two pods hold one image each, finishing 20 s from now; the other work is done.
        const busy = pods.slice(0, 2);
        const finishAt = clock.now() + 20_000;
        for (const pod of busy) await reporter('flap', pod).heartbeat(1);
        await reporter('flap', 'x').done('b1', 2);
        const flap = busy[0] as string;
        flapping.pod = flap;
        const report = await pass(deps, 'flap');
        expect(report).toMatchObject({ action: 'scale_in', applied: 2, busyPods: 2, warnings: [] });
        await advance(1);
        const removed = emulator.removedPods.filter((p) => p.namespace === 'flap');
        // Readiness outranks deletion cost: the NotReady busy pod goes first.
        expect(removed.map((p) => [p.name, p.busy, p.ready])).toContainEqual([flap, true, false]);
        // Its worker finishes the image it holds 20 s later; the pod is Terminating until then.
        await advance(19);
        const terminating = emulator.listPods('flap', 'app=resnet').find((p) => p.metadata.name === flap);
        expect(terminating?.metadata.deletionTimestamp).toBeDefined();
        // A removed busy pod is interrupted if its image would finish after its grace period ends.
        const grace = (terminating?.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
        expect(grace).toBe(60_000);
        const interrupted = removed.filter((p) => p.busy === true && finishAt > p.removedAt + grace);
        await advance(1);
        await reporter('flap', flap).done('b1', 1);
        await reporter('flap', flap).heartbeat(0);
        expect(interrupted).toEqual([]);
        expect((await pass(deps, 'flap')).outstanding).toBe(1);
      },
    ],
    [
      'one cluster whose API never answers among 50 healthy targets',
      async () => {
        const namespaces = Array.from({ length: 50 }, (_, i) => `healthy-${i}`);
        for (const ns of namespaces) emulator.applyManifest(manifest(ns));
        const dead = join(mkdtempSync(join(tmpdir(), 'prescaler-')), 'kubeconfig');
        const address = blackHole.address() as { port: number };
        writeFileSync(
          dead,
          readFileSync(kubeconfig, 'utf8').replace(/server: .*/, `server: https://127.0.0.1:${address.port}`),
        );
        const deps = depsFor(
          namespaces,
          {},
          {},
          {
            'acme/unreachable/v1': {
              cluster: { kubeconfig: dead },
              namespace: 'unreachable',
              deployment: 'resnet',
              imagesPerReplica: 1,
              maxReplicas: 5,
            },
          },
        );
        for (const ns of namespaces.slice(0, 10))
          await ledger.register(client, target(ns), { batchId: 'b1', images: 2 }, clock.now());
        const report = await runReconcile(deps);
        expect(report.ok).toBe(false);
        const dead1 = report.targets.find((t) => t.target === 'acme/unreachable/v1');
        expect(dead1).toMatchObject({ action: 'error', error: { kind: 'transient' } });
        expect(dead1?.reason).toContain(`no answer within ${REQUEST_TIMEOUT_MS} ms`);
        const healthy = report.targets.filter((t) => t.target !== 'acme/unreachable/v1');
        expect(healthy).toHaveLength(50);
        expect(healthy.filter((t) => t.action === 'scale_up')).toHaveLength(10);
        expect(healthy.every((t) => t.action === 'scale_up' || t.action === 'none')).toBe(true);
      },
    ],
  ];

  for (const [name, run] of rows) it(name, run);
});
