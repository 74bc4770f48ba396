/**
 * Which workers serve the stack's targets: the TF Serving sample by the real prescaler-agent in
 * front of a stand-in model server (agents.ts), the Celery sample by real Celery workers when
 * asked for (celery.ts), the others by simulated workers (workers.ts). Also the emulator's busy
 * probe: a pod is busy while the ledger counts images in flight on it.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../../shared/clock.js';
import { Ledger } from '../../shared/redis/ledger.js';
import type { KubeEmulator, Pod } from '../kube/index.js';
import { AGENT_TARGETS, AgentPods } from './agents.js';
import { CELERY_MANIFEST, CeleryWorkers } from './celery.js';
import type { ProcessGroup } from './processes.js';
import { AGENT_GRACE_SECONDS, HEARTBEAT_TTL_SECONDS, type StackTarget, type TimeScale } from './targets.js';
import { podOf, Workers, type WorkerTarget } from './workers.js';
import { WorkerSet, type StackWorkers } from './worker-set.js';

/** The targets as the workers see them: their pace in stack milliseconds per image. */
export function workerTargetsOf(targets: readonly StackTarget[], scale: TimeScale): WorkerTarget[] {
  return targets.map((t) => ({
    name: t.name,
    namespace: t.namespace,
    deployment: t.deployment,
    imagesPerReplica: t.imagesPerReplica,
    msPerImage: scale.ms(t.secondsPerImage),
  }));
}

/** True while the ledger counts images in flight on the pod (what the emulator asks before deleting). */
export function busyProbe(
  redis: Redis,
  prefix: string,
  targets: readonly WorkerTarget[],
): (pod: Pod) => Promise<boolean> {
  const ledger = new Ledger(prefix);
  return async (pod) => {
    const target = podOf(targets, pod);
    if (!target) return false;
    const inFlight = await ledger.inFlight(redis, target.name, [pod.metadata.name]);
    return (inFlight.get(pod.metadata.name) ?? 0) > 0;
  };
}

export interface ServingOptions {
  readonly targets: readonly StackTarget[];
  readonly scale: TimeScale;
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly kube: KubeEmulator;
  readonly group: ProcessGroup;
  readonly root: string;
  readonly logsDir: string;
  readonly clock: Clock;
  /** The Python that runs real Celery workers; undefined: the Celery sample is simulated too. */
  readonly python?: string;
  readonly say: (line: string) => void;
}

/** Builds the workers of every target, tells them of removed pods, and starts them. */
export function startServing(options: ServingOptions): StackWorkers {
  const { scale, redis, prefix, kube, clock } = options;
  const heartbeatSeconds = scale.whole(HEARTBEAT_TTL_SECONDS, 2);
  const all = workerTargetsOf(options.targets, scale);
  const celeryTarget = options.python
    ? options.targets.find((t) => t.manifest === CELERY_MANIFEST)
    : undefined;
  const celeryWorker = all.find((t) => t.name === celeryTarget?.name);
  const agentTargets = all.filter((t) => AGENT_TARGETS.has(t.name));
  const shared = { redis, prefix, pods: kube, clock, heartbeatSeconds };
  const parts: StackWorkers[] = [
    new Workers({ ...shared, targets: all.filter((t) => t !== celeryWorker && !agentTargets.includes(t)) }),
    new AgentPods({
      ...shared,
      redisUrl: options.redisUrl,
      targets: agentTargets,
      group: options.group,
      root: options.root,
      logsDir: options.logsDir,
      graceMs: scale.ms(AGENT_GRACE_SECONDS),
    }),
  ];
  if (options.python && celeryWorker) {
    options.say(`serving ${celeryWorker.name} with real Celery workers (${options.python})`);
    parts.push(
      new CeleryWorkers({
        ...shared,
        root: options.root,
        python: options.python,
        group: options.group,
        logsDir: options.logsDir,
        redisUrl: options.redisUrl,
        target: celeryWorker,
      }),
    );
  }
  const workers = new WorkerSet(parts);
  kube.events.on('podRemoved', (record) => workers.podRemoved(record.namespace, record.name));
  workers.start();
  return workers;
}
