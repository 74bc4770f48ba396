/**
 * A randomized soak on virtual time: the components of the stack in-process (a real
 * redis-server with an fsynced append-only file, the Kubernetes API emulator over HTTPS, the real
 * reconcile function, prescale's register-and-scale-up, and simulated workers speaking the
 * progress contract, workers.ts), with random announcements, rollouts, readiness flaps, Redis
 * outages and restarts (disruptions.ts) and reconcile passes, then a drain. The same seed with
 * the ranking switched off shows what it prevents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { ManualClock } from '../../shared/clock.js';
import { parseRegistry } from '../../shared/config/registry.js';
import { ClusterAccess } from '../../shared/kube/cluster.js';
import { scaleUpTo, type ScaleApi } from '../../shared/kube/scale-api.js';
import { silentLogger } from '../../shared/log.js';
import { RedisHandle, redisOptions } from '../../shared/redis/client.js';
import { Ledger } from '../../shared/redis/ledger.js';
import { sizeFor } from '../../shared/sizing.js';
import { runReconcile, type ReconcileDeps } from '../../functions/reconcile.js';
import { KubeEmulator } from '../../emulator/kube/index.js';
import { RedisServer } from '../../emulator/stack/redis-server.js';
import { mulberry32 } from '../sim/random.js';
import { Disruptions, persistentRedisArgs } from './disruptions.js';
import { IMAGES_PER_REPLICA, SECONDS_PER_IMAGE, STEP_MS, Workers, type Target } from './workers.js';

export interface SoakOptions {
  readonly seed: number;
  /** Virtual seconds of random traffic before the drain. */
  readonly durationSeconds: number;
  readonly rank: boolean;
}

export interface SoakFigures {
  readonly imagesAnnounced: number;
  readonly imagesFinished: number;
  readonly imagesInterrupted: number;
  /** Images held by pods picked for removal: each is lost unless the grace period covers it. */
  readonly imagesOnRemovedPods: number;
  /** Busy pods a scale-in removed (the rollouts' own replacements are counted apart). */
  readonly busyPodsRemoved: number;
  /** Busy pods the rolling updates replaced (they finish their work within the grace period). */
  readonly busyPodsReplaced: number;
  readonly batchesLost: number;
  readonly writesOutsideBounds: number;
  readonly rollouts: number;
  readonly redisRestarts: number;
  readonly replicaSeconds: number;
}

/** The figures held to 0 (with the ranking on). */
export const SOAK_TARGETS: ReadonlyArray<keyof SoakFigures> = [
  'imagesInterrupted',
  'busyPodsRemoved',
  'batchesLost',
  'writesOutsideBounds',
];

const NAMESPACES = ['resnet', 'detector', 'celery'];
const DEPLOYMENT = 'model';
const GRACE_SECONDS = 60;
const MAX_REPLICAS = 12;

const manifest = (namespace: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${DEPLOYMENT}
  namespace: ${namespace}
  annotations: { emulator.prescaler.dev/startup-seconds: "10" }
spec:
  replicas: 0
  selector: { matchLabels: { app: model } }
  template:
    metadata: { labels: { app: model } }
    spec:
      terminationGracePeriodSeconds: ${GRACE_SECONDS}
      containers: [{ name: serving, image: tensorflow/serving:2.5.1 }]
`;

export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const random = mulberry32(options.seed);
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  // One temporary directory for the run: the AOF of the restarted Redis and the kubeconfig.
  const scratch = mkdtempSync(join(tmpdir(), 'prescaler-soak-'));
  const server = await RedisServer.start(persistentRedisArgs(scratch));
  const redis = new RedisHandle(redisOptions({ url: server.url }));
  // Standalone: the handle's client is a plain Redis.
  const admin = (await redis.get()) as Redis;
  const prefix = 'soak';
  const ledger = new Ledger(prefix);
  const emulator = await KubeEmulator.start({
    clock,
    busyProbe: async (pod) =>
      (await admin.exists(ledger.keys(`acme/${pod.metadata.namespace ?? ''}/v1`).pod(pod.metadata.name))) ===
      1,
  });
  let imagesAnnounced = 0;
  let writesOutsideBounds = 0;
  let replicaSeconds = 0;
  try {
    const kubeconfig = join(scratch, 'kubeconfig');
    await emulator.writeKubeconfig(kubeconfig);
    const registry = parseRegistry({
      targets: Object.fromEntries(
        NAMESPACES.map((ns) => [
          `acme/${ns}/v1`,
          {
            cluster: { kubeconfig },
            namespace: ns,
            deployment: DEPLOYMENT,
            imagesPerReplica: IMAGES_PER_REPLICA,
            secondsPerImage: SECONDS_PER_IMAGE,
            maxReplicas: MAX_REPLICAS,
            scaleIn: { stabilizationSeconds: 30, staleSeconds: 300 },
          },
        ]),
      ),
    });
    for (const ns of NAMESPACES) emulator.applyManifest(manifest(ns));
    const access = new ClusterAccess({ clock });
    const bounded = async (cluster: Parameters<ClusterAccess['apiFor']>[0]): Promise<ScaleApi> => {
      const api = await access.apiFor(cluster);
      return Object.assign(Object.create(api) as ScaleApi, {
        writeScale: (ref: Parameters<ScaleApi['writeScale']>[0], n: number, rv: string) => {
          if (n < 0 || n > MAX_REPLICAS) writesOutsideBounds++;
          return api.writeScale(ref, n, rv);
        },
      });
    };
    const deps: ReconcileDeps = {
      settings: {
        registry,
        redis: { url: server.url },
        keyPrefix: prefix,
        maxImagesPerEvent: 1000,
        reconcileConcurrency: 4,
        reconcileDeadlineSeconds: 45,
      },
      redis,
      ledger,
      clusters: { apiFor: bounded },
      clock,
      logger: silentLogger,
    };
    const targets: Target[] = registry.targets.map((t) => ({
      name: t.name,
      namespace: t.namespace,
      queue: [],
      held: new Map(),
    }));
    const workers = new Workers(emulator, admin, prefix);
    const disruptions = new Disruptions(random, emulator, server, admin, kubeconfig, NAMESPACES);
    const announced = new Map<string, number>();
    let batch = 0;

    /** An announcement: registered in the ledger, then the Deployment scaled up (prescale). */
    const announce = async (target: Target, now: number) => {
      const images = 1 + Math.floor(random() * 12);
      const batchId = `b${++batch}`;
      try {
        if (disruptions.redisUnavailable) throw new Error('Redis refuses writes or is down');
        const registration = await ledger.register(admin, target.name, { batchId, images }, now);
        target.queue.push({ batchId, left: images });
        announced.set(`${target.name}/${batchId}`, images);
        imagesAnnounced += images;
        const spec = registry.get(target.name);
        if (spec)
          await scaleUpTo(await bounded(spec.cluster), spec, sizeFor(spec, registration.work, now).replicas);
      } catch {
        // Redis refused the registration: the event is nacked and not counted as announced
        // (Pub/Sub would redeliver it; here a later announcement stands in for it).
        batch--;
      }
    };

    const step = async (disrupting: boolean) => {
      clock.advance(STEP_MS);
      await emulator.tick();
      const now = clock.now();
      await disruptions.redis(disrupting);
      for (const target of targets) {
        if (disrupting && random() < 0.08) await announce(target, now);
        await workers.work(target, now);
        replicaSeconds +=
          ((emulator.getDeployment(target.namespace, DEPLOYMENT)?.spec.replicas ?? 0) * STEP_MS) / 1000;
      }
      disruptions.flaps(now, disrupting);
      await disruptions.rollout(DEPLOYMENT, disrupting);
      // Reconcile's own retries and errors ride the outages; a pass that throws is a failed run.
      if ((now / STEP_MS) % 3 === 0 && !disruptions.redisUnavailable)
        await runReconcile(deps, { rank: options.rank });
    };

    for (let t = 0; t < options.durationSeconds * 1000; t += STEP_MS) await step(true);
    // Drain: no new work, until every image is finished or an hour has passed.
    for (let t = 0; t < 3_600_000; t += STEP_MS) {
      await step(false);
      const busy = targets.some((target) => target.queue.length > 0 || target.held.size > 0);
      if (!busy) break;
    }
    await disruptions.heal();
    const busyRemoved = (cause: 'scale' | 'rollout') =>
      emulator.removedPods.filter(
        (p) =>
          p.cause === cause && (p.busy === true || workers.removedHolding.has(`${p.namespace}/${p.name}`)),
      ).length;
    return {
      imagesAnnounced,
      imagesFinished: workers.imagesFinished,
      imagesInterrupted: workers.imagesInterrupted,
      imagesOnRemovedPods: workers.imagesOnRemovedPods,
      busyPodsRemoved: busyRemoved('scale'),
      busyPodsReplaced: busyRemoved('rollout'),
      batchesLost: [...announced].filter(([key, images]) => (workers.finished.get(key) ?? 0) < images).length,
      writesOutsideBounds,
      rollouts: disruptions.rollouts,
      redisRestarts: disruptions.redisRestarts,
      replicaSeconds,
    };
  } finally {
    await emulator.stop();
    await redis.close();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
