/**
 * The local stack: a private redis-server, the Pub/Sub emulator, the Kubernetes API emulator
 * (in this process, HTTPS, wall clock) loaded with the sample manifests, both functions in their
 * own Functions Framework processes running the built code, the events topic with a push
 * subscription to prescale, a scheduler calling reconcile, and the workers (serving.ts).
 * `Stack.start` brings it up (and tears down what it started if any step fails); `stop()` ends
 * every child.
 *
 * Its files (kubeconfigs, the RBAC rules, the registries, the scaled manifests, logs) go to `dir`
 * (stack-files.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { Redis } from 'ioredis';
import { systemClock, type Clock } from '../../shared/clock.js';
import { ENV } from '../../shared/config/env.js';
import { DEFAULT_KEY_PREFIX, TargetKeys } from '../../shared/redis/keys.js';
import { KubeEmulator } from '../kube/index.js';
import { DecisionFeed } from './decisions.js';
import { checkBuilt, checkPrerequisites } from './prerequisites.js';
import { endLeftovers, ProcessGroup } from './processes.js';
import {
  createPushSubscription,
  emulatorClient,
  EVENTS_TOPIC,
  pushEndpoint,
  PUSH_SUBSCRIPTION,
  STACK_PROJECT,
} from './pubsub.js';
import { repoRoot } from './repo-root.js';
import { Scheduler } from './scheduler.js';
import { busyProbe, startServing, workerTargetsOf } from './serving.js';
import { startFunction, startPubSubEmulator, startRedis } from './services.js';
import {
  envFileText,
  prepareDir,
  writeKubeconfigs,
  writeManifests,
  writeRbac,
  writeRegistries,
} from './stack-files.js';
import { RECONCILE_EVERY_SECONDS, STACK_TARGETS, TimeScale, type StackTarget } from './targets.js';
import { findPython } from './celery.js';
import type { StackWorkers } from './worker-set.js';

export const KEY_PREFIX = DEFAULT_KEY_PREFIX;
export { FUNCTION_USERS } from './stack-files.js';
export { repoRoot } from './repo-root.js';

export interface StackOptions {
  /** How many times faster than real life; default 10. */
  readonly timeScale?: number;
  /** Where the stack writes its files; default `<repo>/.stack`. */
  readonly dir?: string;
  readonly root?: string;
  readonly targets?: readonly StackTarget[];
  readonly clock?: Clock;
  /** Progress messages while starting. */
  readonly say?: (line: string) => void;
  /** Serve the Celery sample's target with real Celery workers (see celery.ts). */
  readonly celery?: boolean;
}

export interface StackInfo {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly functionsKubeconfig: string;
  readonly registryFile: string;
  readonly rbacFile: string;
  readonly envFile: string;
  readonly logsDir: string;
  readonly redisUrl: string;
  readonly pubsubHost: string;
  readonly projectId: string;
  readonly topic: string;
  readonly prescaleUrl: string;
  readonly reconcileUrl: string;
  readonly kubeUrl: string;
}

export class Stack {
  private constructor(
    readonly info: StackInfo,
    readonly scale: TimeScale,
    readonly targets: readonly StackTarget[],
    readonly clock: Clock,
    readonly group: ProcessGroup,
    readonly kube: KubeEmulator,
    readonly redis: Redis,
    readonly pubsub: PubSub,
    readonly topic: Topic,
    readonly workers: StackWorkers,
    readonly scheduler: Scheduler,
    readonly decisions: DecisionFeed,
  ) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const say = options.say ?? (() => undefined);
    const tools = checkPrerequisites();
    const root = options.root ?? repoRoot();
    const source = join(root, 'dist', 'functions', 'index.js');
    checkBuilt(source);
    const scale = new TimeScale(options.timeScale ?? 10);
    const targets = options.targets ?? STACK_TARGETS;
    const clock = options.clock ?? systemClock;
    const dir = resolve(options.dir ?? join(root, '.stack'));
    const { logsDir } = await prepareDir(dir);

    const pidFile = join(dir, 'pids.json');
    const leftovers = await endLeftovers(pidFile);
    if (leftovers.length > 0) say(`ended ${leftovers.length} process(es) a previous stack left running`);
    const group = new ProcessGroup(pidFile);
    let kube: KubeEmulator | undefined;
    let redis: Redis | undefined;
    let pubsub: PubSub | undefined;
    let workers: StackWorkers | undefined;
    const python = options.celery ? findPython() : undefined;
    let scheduler: Scheduler | undefined;
    try {
      say(`starting redis-server and the Pub/Sub emulator (files in ${dir})`);
      const [redisServer, pubsubEmulator] = await Promise.all([
        startRedis(group, { bin: tools.redisServer, logFile: join(logsDir, 'redis.log') }),
        startPubSubEmulator(group, {
          bin: tools.pubsubEmulator,
          java: tools.java,
          logFile: join(logsDir, 'pubsub-emulator.log'),
        }),
      ]);
      const client = new Redis(redisServer.url, { maxRetriesPerRequest: 1, lazyConnect: true });
      client.on('error', () => undefined);
      await client.connect();
      redis = client;

      say('starting the Kubernetes API emulator');
      const rbacFile = await writeRbac(dir, targets);
      const busy = busyProbe(client, KEY_PREFIX, workerTargetsOf(targets, scale));
      kube = await KubeEmulator.start({ clock, rbac: rbacFile, busyProbe: busy, tls: true });
      const kubeconfigs = await writeKubeconfigs(kube, dir);
      const startup = await writeManifests(root, dir, targets, scale);
      await kube.loadManifests(join(dir, 'manifests'));
      const registries = await writeRegistries(dir, targets, startup, scale, kubeconfigs);

      say('starting the prescale and reconcile functions');
      const env = {
        [ENV.targetsFile]: registries.prescale,
        [ENV.redisUrl]: redisServer.url,
        [ENV.keyPrefix]: KEY_PREFIX,
        PUBSUB_EMULATOR_HOST: pubsubEmulator.host,
        METADATA_SERVER_DETECTION: 'none',
      };
      const [prescale, reconcile] = await Promise.all([
        startFunction(group, { target: 'prescale', source, env, logFile: join(logsDir, 'prescale.log') }),
        startFunction(group, {
          target: 'reconcile',
          source,
          env: { ...env, [ENV.targetsFile]: registries.reconcile },
          logFile: join(logsDir, 'reconcile.log'),
        }),
      ]);
      const decisions = new DecisionFeed();
      decisions.follow('prescale', prescale.child, () => clock.now());
      decisions.follow('reconcile', reconcile.child, () => clock.now());

      say('creating the events topic and the push subscription');
      pubsub = emulatorClient(pubsubEmulator.host, STACK_PROJECT);
      const { topic } = await createPushSubscription(pubsub, {
        topic: EVENTS_TOPIC,
        subscription: PUSH_SUBSCRIPTION,
        endpoint: pushEndpoint(prescale.url, STACK_PROJECT, EVENTS_TOPIC),
        minimumBackoffSeconds: 1,
        maximumBackoffSeconds: 5,
      });

      workers = startServing({
        targets,
        scale,
        redis: client,
        redisUrl: redisServer.url,
        prefix: KEY_PREFIX,
        kube,
        group,
        root,
        logsDir,
        clock,
        ...(python ? { python } : {}),
        say,
      });
      const reconcileUrl = `${reconcile.url}/`;
      scheduler = new Scheduler(reconcileUrl, scale.ms(RECONCILE_EVERY_SECONDS));
      scheduler.start();

      const info: StackInfo = {
        dir,
        kubeconfig: kubeconfigs.kubeconfig,
        functionsKubeconfig: kubeconfigs.prescale,
        registryFile: registries.prescale,
        rbacFile,
        envFile: join(dir, 'env'),
        logsDir,
        redisUrl: redisServer.url,
        pubsubHost: pubsubEmulator.host,
        projectId: STACK_PROJECT,
        topic: EVENTS_TOPIC,
        prescaleUrl: prescale.url,
        reconcileUrl,
        kubeUrl: kube.url,
      };
      await writeFile(info.envFile, envFileText(info));
      return new Stack(
        info,
        scale,
        targets,
        clock,
        group,
        kube,
        client,
        pubsub,
        topic,
        workers,
        scheduler,
        decisions,
      );
    } catch (error) {
      await tearDown({ scheduler, workers, pubsub, redis, kube, group });
      throw error;
    }
  }

  /** Process ids of every child the stack started (each also leads its process group). */
  get pids(): number[] {
    return this.group.pids;
  }

  /** Publishes an "images incoming" event to the events topic; resolves with the message id. */
  async publish(event: {
    target: string;
    batchId: string;
    images: number;
    deadlineSeconds?: number;
  }): Promise<string> {
    return this.topic.publishMessage({ data: Buffer.from(JSON.stringify(event)) });
  }

  /** Desired (spec) and ready replicas, and pods that still exist (terminating included). */
  replicas(target: StackTarget): { desired: number; ready: number; pods: number } {
    const deployment = this.kube.getDeployment(target.namespace, target.deployment);
    const pods = this.kube
      .listPods(target.namespace)
      .filter((p) => p.metadata.name.startsWith(`${target.deployment}-`)).length;
    return {
      desired: deployment?.spec.replicas ?? 0,
      ready: deployment?.status?.readyReplicas ?? 0,
      pods,
    };
  }

  /** Images announced and not yet done or failed, per the ledger (open batches only). */
  async outstanding(target: StackTarget): Promise<number> {
    const keys = new TargetKeys(KEY_PREFIX, target.name);
    const [total, done, failed] = await Promise.all([
      this.redis.hgetall(keys.total),
      this.redis.hgetall(keys.done),
      this.redis.hgetall(keys.failed),
    ]);
    let sum = 0;
    for (const [batch, images] of Object.entries(total)) {
      sum += Math.max(0, Number(images) - Number(done[batch] ?? 0) - Number(failed[batch] ?? 0));
    }
    return sum;
  }

  private stopping: Promise<void> | undefined;

  /** Stops the scheduler, the workers, the emulator and every child process; safe to call twice. */
  async stop(): Promise<void> {
    this.stopping ??= tearDown(this);
    return this.stopping;
  }
}

/** Stops what was started, last started first; a part not started yet is passed over. */
async function tearDown(parts: {
  readonly scheduler?: Scheduler | undefined;
  readonly workers?: StackWorkers | undefined;
  readonly pubsub?: PubSub | undefined;
  readonly redis?: Redis | undefined;
  readonly kube?: KubeEmulator | undefined;
  readonly group: ProcessGroup;
}): Promise<void> {
  await parts.scheduler?.stop();
  await parts.workers?.stop().catch(() => undefined);
  await parts.pubsub?.close().catch(() => undefined);
  parts.redis?.disconnect();
  await parts.kube?.stop().catch(() => undefined);
  await parts.group.stopAll();
}
