/**
 * The local stack: a private redis-server, the Pub/Sub emulator, the Kubernetes API emulator
 * (in this process, HTTPS, wall clock) loaded with the sample manifests, both functions in their
 * own Functions Framework processes running the built code, the events topic with a push
 * subscription to prescale, a scheduler calling reconcile, and simulated workers. `Stack.start`
 * brings it up (and tears down what it started if any step fails); `stop()` ends every child.
 *
 * Its files (kubeconfigs, the RBAC rules, the registry, the scaled manifests, logs) go to `dir`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { systemClock, type Clock } from '../../shared/clock.js';
import { ENV } from '../../shared/config/env.js';
import { parseRegistry } from '../../shared/config/registry.js';
import { DEFAULT_KEY_PREFIX, TargetKeys } from '../../shared/redis/keys.js';
import { KubeEmulator, type Pod } from '../kube/index.js';
import { DecisionFeed, parseDecision } from './decisions.js';
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
import { Scheduler } from './scheduler.js';
import { startFunction, startPubSubEmulator, startRedis } from './services.js';
import {
  functionRules,
  AGENT_GRACE_SECONDS,
  HEARTBEAT_TTL_SECONDS,
  manifestStartupSeconds,
  RECONCILE_EVERY_SECONDS,
  scaleManifest,
  stackRegistry,
  STACK_TARGETS,
  TimeScale,
  type StackTarget,
} from './targets.js';
import { podOf, Workers, type WorkerTarget } from './workers.js';
import { CELERY_MANIFEST, CeleryWorkers, findPython } from './celery.js';
import { AGENT_TARGETS, AgentPods } from './agents.js';
import { WorkerSet, type StackWorkers } from './worker-set.js';
import { Ledger } from '../../shared/redis/ledger.js';

export const KEY_PREFIX = DEFAULT_KEY_PREFIX;
import { FUNCTION_ROLES } from '../../shared/kube/rbac-rules.js';

/** The stack's users for the two functions: each holds its function's Role (shared/kube/rbac-rules.ts). */
export const FUNCTION_USERS = { prescale: 'prescaler-prescale', reconcile: 'prescaler-reconcile' } as const;

/** The repository root: the nearest directory above this module with prescaler's package.json. */
export function repoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'prescaler'
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no prescaler package.json above ${from}`);
    dir = parent;
  }
}

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
    const logsDir = join(dir, 'logs');
    // Only what the stack itself writes is cleared, never the directory as a whole.
    for (const old of ['logs', 'manifests']) await rm(join(dir, old), { recursive: true, force: true });
    await mkdir(logsDir, { recursive: true });
    await mkdir(join(dir, 'manifests'), { recursive: true });

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
      const workerTargets: WorkerTarget[] = targets.map((t) => ({
        name: t.name,
        namespace: t.namespace,
        deployment: t.deployment,
        imagesPerReplica: t.imagesPerReplica,
        msPerImage: scale.ms(t.secondsPerImage),
      }));
      const rbacFile = join(dir, 'rbac.yaml');
      await writeFile(
        rbacFile,
        stringify({
          users: FUNCTION_ROLES.map((role) => ({
            name: FUNCTION_USERS[role],
            token: `${FUNCTION_USERS[role]}-${randomBytes(12).toString('hex')}`,
            rules: functionRules(targets, role),
          })),
        }),
      );
      const busyProbe = async (pod: Pod): Promise<boolean> => {
        const target = podOf(workerTargets, pod);
        if (!target) return false;
        const inFlight = await new Ledger(KEY_PREFIX).inFlight(client, target.name, [pod.metadata.name]);
        return (inFlight.get(pod.metadata.name) ?? 0) > 0;
      };
      kube = await KubeEmulator.start({ clock, rbac: rbacFile, busyProbe, tls: true });
      const kubeconfig = join(dir, 'kubeconfig');
      const functionsKubeconfig = join(dir, 'kubeconfig-prescale');
      const reconcileKubeconfig = join(dir, 'kubeconfig-reconcile');
      await kube.writeKubeconfig(kubeconfig);
      await kube.writeKubeconfig(functionsKubeconfig, FUNCTION_USERS.prescale);
      await kube.writeKubeconfig(reconcileKubeconfig, FUNCTION_USERS.reconcile);

      const startup = new Map<string, number>();
      const manifestsDir = join(root, 'emulator', 'kube', 'manifests');
      for (const target of targets) {
        const text = await readFile(join(manifestsDir, target.manifest), 'utf8');
        startup.set(target.name, manifestStartupSeconds(text, target.deployment));
        await writeFile(join(dir, 'manifests', target.manifest), scaleManifest(text, target, scale));
      }
      await kube.loadManifests(join(dir, 'manifests'));

      // One registry per function, each naming the kubeconfig of that function's user.
      const registry = stackRegistry(targets, startup, scale, functionsKubeconfig);
      parseRegistry(registry);
      const registryFile = join(dir, 'registry.json');
      await writeFile(registryFile, JSON.stringify(registry, null, 2) + '\n');
      const reconcileRegistryFile = join(dir, 'registry-reconcile.json');
      const reconcileRegistry = stackRegistry(targets, startup, scale, reconcileKubeconfig);
      await writeFile(reconcileRegistryFile, JSON.stringify(reconcileRegistry, null, 2) + '\n');

      say('starting the prescale and reconcile functions');
      const env = {
        [ENV.targetsFile]: registryFile,
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
          env: { ...env, [ENV.targetsFile]: reconcileRegistryFile },
          logFile: join(logsDir, 'reconcile.log'),
        }),
      ]);
      const decisions = new DecisionFeed();
      for (const [name, fn] of [
        ['prescale', prescale],
        ['reconcile', reconcile],
      ] as const) {
        fn.child.onLine((line) => {
          const decision = parseDecision(line, name, clock.now());
          if (decision) decisions.add(decision);
        });
      }

      say('creating the events topic and the push subscription');
      pubsub = emulatorClient(pubsubEmulator.host, STACK_PROJECT);
      const { topic } = await createPushSubscription(pubsub, {
        topic: EVENTS_TOPIC,
        subscription: PUSH_SUBSCRIPTION,
        endpoint: pushEndpoint(prescale.url, STACK_PROJECT, EVENTS_TOPIC),
        minimumBackoffSeconds: 1,
        maximumBackoffSeconds: 5,
      });

      // Each target is served by one kind of worker: the TF Serving sample by the real
      // prescaler-agent in front of a stand-in model server (agents.ts), the Celery sample by real
      // Celery workers with --celery (celery.ts), the others by simulated workers.
      const heartbeatSeconds = scale.whole(HEARTBEAT_TTL_SECONDS, 2);
      const celeryTarget = python ? targets.find((t) => t.manifest === CELERY_MANIFEST) : undefined;
      const celeryWorker = workerTargets.find((t) => t.name === celeryTarget?.name);
      const agentTargets = workerTargets.filter((t) => AGENT_TARGETS.has(t.name));
      const parts: StackWorkers[] = [
        new Workers({
          redis: client,
          prefix: KEY_PREFIX,
          targets: workerTargets.filter((t) => t !== celeryWorker && !agentTargets.includes(t)),
          pods: kube,
          clock,
          heartbeatSeconds,
        }),
        new AgentPods({
          redis: client,
          redisUrl: redisServer.url,
          prefix: KEY_PREFIX,
          targets: agentTargets,
          pods: kube,
          group,
          root,
          logsDir,
          clock,
          heartbeatSeconds,
          graceMs: scale.ms(AGENT_GRACE_SECONDS),
        }),
      ];
      if (python && celeryWorker) {
        say(`serving ${celeryWorker.name} with real Celery workers (${python})`);
        parts.push(
          new CeleryWorkers({
            root,
            python,
            group,
            logsDir,
            redis: client,
            redisUrl: redisServer.url,
            prefix: KEY_PREFIX,
            target: celeryWorker,
            pods: kube,
            clock,
            heartbeatSeconds,
          }),
        );
      }
      workers = new WorkerSet(parts);
      const started = workers;
      kube.events.on('podRemoved', (record) => started.podRemoved(record.namespace, record.name));
      workers.start();
      const reconcileUrl = `${reconcile.url}/`;
      scheduler = new Scheduler(reconcileUrl, scale.ms(RECONCILE_EVERY_SECONDS));
      scheduler.start();

      const info: StackInfo = {
        dir,
        kubeconfig,
        functionsKubeconfig,
        registryFile,
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
      await scheduler?.stop();
      await workers?.stop().catch(() => undefined);
      await pubsub?.close().catch(() => undefined);
      redis?.disconnect();
      await kube?.stop().catch(() => undefined);
      await group.stopAll();
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
    this.stopping ??= (async () => {
      await this.scheduler.stop();
      await this.workers.stop().catch(() => undefined);
      await this.pubsub.close().catch(() => undefined);
      this.redis.disconnect();
      await this.kube.stop().catch(() => undefined);
      await this.group.stopAll();
    })();
    return this.stopping;
  }
}

/** `source .stack/env` gives a shell what the `prescaler` command needs to reach the stack. */
function envFileText(info: StackInfo): string {
  return [
    `export ${ENV.targetsFile}=${info.registryFile}`,
    `export ${ENV.redisUrl}=${info.redisUrl}`,
    `export PUBSUB_EMULATOR_HOST=${info.pubsubHost}`,
    `export PUBSUB_PROJECT_ID=${info.projectId}`,
    `export PRESCALER_TOPIC=${info.topic}`,
    `export KUBECONFIG=${info.kubeconfig}`,
    `export RECONCILE_URL=${info.reconcileUrl}`,
    '',
  ].join('\n');
}
