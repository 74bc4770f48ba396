/**
 * A randomized soak on virtual time: the components of the stack in-process (a real
 * redis-server, the Kubernetes API emulator over HTTPS, the real reconcile function, prescale's
 * register-and-scale-up, and simulated workers speaking the progress contract), with random
 * announcements, readiness flaps, Redis outages (writes refused) and reconcile passes, then a
 * drain. Workers follow the termination rule: a Terminating pod takes nothing new and finishes
 * what it holds if its grace period allows; an image lost with its pod is counted as interrupted
 * and handed out again. The same seed with the ranking switched off shows what it prevents.
 */
import { mkdtempSync } from 'node:fs';
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
import { ProgressReporter } from '../../shared/redis/progress.js';
import { sizeFor } from '../../shared/sizing.js';
import { runReconcile, type ReconcileDeps } from '../../functions/reconcile.js';
import { KubeEmulator, type Pod } from '../../emulator/kube/index.js';
import { RedisServer } from '../../emulator/stack/redis-server.js';
import { mulberry32 } from '../sim/random.js';

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
  readonly busyPodsRemoved: number;
  readonly batchesLost: number;
  readonly writesOutsideBounds: number;
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
const IMAGES_PER_REPLICA = 2;
const SECONDS_PER_IMAGE = 20;
const GRACE_SECONDS = 60;
const MAX_REPLICAS = 12;
const STEP_MS = 5000;

const manifest = (namespace: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: model
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

interface Held {
  readonly batchId: string;
  readonly finishAt: number;
}

interface Target {
  readonly name: string;
  readonly namespace: string;
  /** Images waiting for a pod, by batch, in announcement order. */
  readonly queue: Array<{ batchId: string; left: number }>;
  readonly held: Map<string, Held[]>;
}

export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const random = mulberry32(options.seed);
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const server = await RedisServer.start();
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
  const figures = {
    imagesAnnounced: 0,
    imagesFinished: 0,
    imagesInterrupted: 0,
    imagesOnRemovedPods: 0,
    busyPodsRemoved: 0,
    batchesLost: 0,
    writesOutsideBounds: 0,
    replicaSeconds: 0,
  };
  try {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'prescaler-soak-')), 'kubeconfig');
    await emulator.writeKubeconfig(kubeconfig);
    const registry = parseRegistry({
      targets: Object.fromEntries(
        NAMESPACES.map((ns) => [
          `acme/${ns}/v1`,
          {
            cluster: { kubeconfig },
            namespace: ns,
            deployment: 'model',
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
          if (n < 0 || n > MAX_REPLICAS) figures.writesOutsideBounds++;
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
    const announced = new Map<string, number>();
    const finished = new Map<string, number>();
    let redisDown = 0;
    let batch = 0;
    const flapped = new Map<string, number>();
    const seenTerminating = new Set<string>();

    const step = async (announcing: boolean) => {
      clock.advance(STEP_MS);
      await emulator.tick();
      const now = clock.now();
      // Redis outage: writes refused for a few steps.
      if (redisDown > 0 && --redisDown === 0) await admin.config('SET', 'maxmemory', '0');
      else if (announcing && redisDown === 0 && random() < 0.01) {
        redisDown = 2 + Math.floor(random() * 4);
        await admin.config('SET', 'maxmemory', '1');
      }
      for (const target of targets) {
        if (announcing && random() < 0.08) {
          const images = 1 + Math.floor(random() * 12);
          const batchId = `b${++batch}`;
          try {
            if (redisDown > 0) throw new Error('Redis refuses writes');
            const registration = await ledger.register(admin, target.name, { batchId, images }, now);
            target.queue.push({ batchId, left: images });
            announced.set(`${target.name}/${batchId}`, images);
            figures.imagesAnnounced += images;
            const spec = registry.get(target.name);
            if (spec) {
              const api = await bounded(spec.cluster);
              await scaleUpTo(api, spec, sizeFor(spec, registration.work, now).replicas);
            }
          } catch {
            // Redis refused the registration: the event is nacked and not counted as announced
            // (Pub/Sub would redeliver it; here a later announcement stands in for it).
            batch--;
          }
        }
        await work(target, now);
        figures.replicaSeconds +=
          ((emulator.getDeployment(target.namespace, 'model')?.spec.replicas ?? 0) * STEP_MS) / 1000;
      }
      // Readiness flaps: a random Ready pod fails its probe for 10-30 s.
      for (const [key, until] of flapped) {
        if (now < until) continue;
        flapped.delete(key);
        const [ns, name] = key.split('/') as [string, string];
        if (emulator.listPods(ns).some((p) => p.metadata.name === name)) emulator.setPodReady(ns, name, true);
      }
      if (announcing && random() < 0.1) {
        const ns = NAMESPACES[Math.floor(random() * NAMESPACES.length)] as string;
        const ready = emulator.listPods(ns).filter((p) => isReady(p) && !p.metadata.deletionTimestamp);
        const pod = ready[Math.floor(random() * ready.length)];
        if (pod) {
          emulator.setPodReady(ns, pod.metadata.name, false);
          flapped.set(`${ns}/${pod.metadata.name}`, now + 10_000 + random() * 20_000);
        }
      }
      if ((now / STEP_MS) % 3 === 0 && redisDown === 0) await runReconcile(deps, { rank: options.rank });
    };

    /** The workers of one target: finish, lose with their pod, and take images. */
    const work = async (target: Target, now: number) => {
      const pods = new Map(emulator.listPods(target.namespace).map((p) => [p.metadata.name, p]));
      for (const [name, held] of target.held) {
        const pod = pods.get(name);
        if (pod?.metadata.deletionTimestamp !== undefined && !seenTerminating.has(name)) {
          seenTerminating.add(name);
          figures.imagesOnRemovedPods += held.length;
        }
        const reporter = new ProgressReporter(admin, target.name, name, prefix, 60);
        const keep: Held[] = [];
        for (const image of held) {
          if (image.finishAt <= now && pod !== undefined) {
            const reported = await reporter.done(image.batchId).then(
              () => true,
              () => false,
            );
            if (!reported) {
              // Redis refused: the worker reports it again at its next step.
              keep.push({ ...image, finishAt: now + STEP_MS });
              continue;
            }
            const key = `${target.name}/${image.batchId}`;
            finished.set(key, (finished.get(key) ?? 0) + 1);
            figures.imagesFinished++;
          } else if (pod === undefined) {
            // The pod went away holding this image: interrupted, handed out again.
            figures.imagesInterrupted++;
            target.queue.unshift({ batchId: image.batchId, left: 1 });
          } else keep.push(image);
        }
        if (keep.length > 0) target.held.set(name, keep);
        else target.held.delete(name);
        await reporter.heartbeat(pod === undefined ? 0 : keep.length).catch(() => undefined);
      }
      for (const pod of pods.values()) {
        if (!isReady(pod) || pod.metadata.deletionTimestamp !== undefined) continue;
        const held = target.held.get(pod.metadata.name) ?? [];
        while (held.length < IMAGES_PER_REPLICA && target.queue.length > 0) {
          const next = target.queue[0] as { batchId: string; left: number };
          held.push({ batchId: next.batchId, finishAt: now + SECONDS_PER_IMAGE * 1000 });
          if (--next.left === 0) target.queue.shift();
        }
        if (held.length > 0) {
          target.held.set(pod.metadata.name, held);
          await new ProgressReporter(admin, target.name, pod.metadata.name, prefix, 60)
            .heartbeat(held.length)
            .catch(() => undefined);
        }
      }
    };

    for (let t = 0; t < options.durationSeconds * 1000; t += STEP_MS) await step(true);
    // Drain: no new work, until every image is finished or an hour has passed.
    for (let t = 0; t < 3_600_000; t += STEP_MS) {
      await step(false);
      const busy = targets.some((target) => target.queue.length > 0 || target.held.size > 0);
      if (!busy) break;
    }
    if (redisDown > 0) await admin.config('SET', 'maxmemory', '0');
    figures.busyPodsRemoved = emulator.removedPods.filter((p) => p.busy === true).length;
    figures.batchesLost = [...announced].filter(([key, images]) => (finished.get(key) ?? 0) < images).length;
    return figures;
  } finally {
    await emulator.stop();
    await redis.close();
    await server.stop();
  }
}

function isReady(pod: Pod): boolean {
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
