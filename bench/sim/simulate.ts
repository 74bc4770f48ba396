/**
 * The discrete-event simulator: one cluster, one Deployment per target, one policy instance per
 * Deployment, driven by an event queue in virtual time (no wall clock, no sleeps). Every policy
 * meets the same workload, the same pod physics (cluster.ts) and the same seeded randomness.
 *
 * The run lasts the workload's span plus a tail (default 900 s, long enough for the 300 s
 * windows and cooldowns of HPA and KEDA to play out) and, if work is still unfinished then,
 * until it finishes (or a day later, when it is reported unfinished). Replica-seconds are
 * charged over the whole run.
 */
import type { Registry, TargetSpec } from '../../shared/config/registry.js';
import { SimDeployment, type Wakeup } from './simulated-cluster.js';
import { idealSeconds, type BatchOutcome, type SeriesPoint, type SimResult } from './metrics.js';
import type { Loop, Policy, PolicyKind, ScaleAction } from './policy.js';
import { EventQueue } from './queue.js';
import { stream } from './random.js';
import type { Batch, Workload } from './workload.js';

export interface SimOptions {
  readonly workload: Workload;
  readonly policy: PolicyKind;
  readonly registry: Registry;
  readonly seed: number;
  /** Seconds between a batch's announcement and its images landing (default 0). */
  readonly leadSeconds?: number;
  readonly tailSeconds?: number;
  /** Give up this long after the tail if work is still unfinished (default one day). */
  readonly overrunSeconds?: number;
}

type SimEvent =
  | { readonly kind: 'announce' | 'arrive'; readonly batch: Batch }
  | { readonly kind: 'wake'; readonly target: string; readonly wakeup: Wakeup }
  | { readonly kind: 'loop'; readonly target: string; readonly loop: Loop };

interface Managed {
  readonly deployment: SimDeployment;
  readonly policy: Policy;
}

/** A target the simulator can model: it needs the startup and per-image times. */
export function simulatedTarget(registry: Registry, name: string): TargetSpec {
  const target = registry.get(name);
  if (target === undefined) {
    throw new Error(`target "${name}" is not in the registry (known: ${registry.names.join(', ')})`);
  }
  if (target.startupSeconds === undefined || target.secondsPerImage === undefined) {
    throw new Error(
      `target "${name}": the simulator needs startupSeconds and secondsPerImage in the registry`,
    );
  }
  return target;
}

export function simulate(options: SimOptions): SimResult {
  const { workload, policy: kind, registry, seed } = options;
  const leadMs = (options.leadSeconds ?? 0) * 1000;
  const horizonMs = (workload.durationSeconds + (options.tailSeconds ?? 900)) * 1000;
  const limitMs = horizonMs + (options.overrunSeconds ?? 86_400) * 1000;
  const queue = new EventQueue<SimEvent>();
  const managed = new Map<string, Managed>();

  for (const name of new Set(workload.batches.map((b) => b.target))) {
    const target = simulatedTarget(registry, name);
    const deployment = new SimDeployment(target, stream(seed, `pods/${name}`), (wakeup) =>
      queue.push(wakeup.atMs, { kind: 'wake', target: name, wakeup }),
    );
    const policy = kind.create(target, stream(seed, `${kind.name}/${name}`));
    deployment.start(policy.initialReplicas, 0);
    managed.set(name, { deployment, policy });
    for (const loop of policy.loops)
      queue.push(loop.offsetSeconds * 1000, { kind: 'loop', target: name, loop });
  }
  for (const batch of workload.batches) {
    const atMs = batch.atSeconds * 1000;
    queue.push(Math.max(0, atMs - leadMs), { kind: 'announce', batch });
    queue.push(atMs, { kind: 'arrive', batch });
  }

  const series: SeriesPoint[] = [];
  const record = (nowMs: number) => {
    let replicas = 0;
    let pods = 0;
    let ready = 0;
    let queued = 0;
    for (const { deployment } of managed.values()) {
      replicas += deployment.spec;
      pods += deployment.pods.size;
      ready += deployment.readyPods;
      queued += deployment.queued;
    }
    const point = { t: nowMs / 1000, replicas, pods, ready, queued };
    const last = series.at(-1);
    if (
      last &&
      last.replicas === replicas &&
      last.pods === pods &&
      last.ready === ready &&
      last.queued === queued
    ) {
      return;
    }
    if (last && last.t === point.t) series[series.length - 1] = point;
    else series.push(point);
  };
  const apply = (deployment: SimDeployment, action: ScaleAction | undefined, nowMs: number) => {
    if (action?.annotations) deployment.annotate(action.annotations);
    if (action?.replicas !== undefined) deployment.scale(action.replicas, nowMs);
  };

  record(0);
  let unfinished = workload.batches.length;
  let nowMs = 0;
  for (;;) {
    const next = queue.peekTime();
    if (next === undefined || next > limitMs || (next > horizonMs && unfinished === 0)) break;
    const { atMs, event } = queue.pop() as { atMs: number; event: SimEvent };
    nowMs = atMs;
    const target = 'batch' in event ? event.batch.target : event.target;
    const { deployment, policy } = managed.get(target) as Managed;
    switch (event.kind) {
      case 'announce':
        deployment.announce(event.batch, nowMs);
        apply(deployment, policy.announce?.(event.batch, deployment.view(nowMs)), nowMs);
        break;
      case 'arrive':
        deployment.arrive(event.batch.batchId, nowMs);
        break;
      case 'wake':
        if (event.wakeup.kind === 'ready') deployment.podReady(event.wakeup.pod, nowMs);
        else if (deployment.jobDone(event.wakeup.pod, event.wakeup.job, nowMs)) unfinished--;
        break;
      case 'loop':
        apply(deployment, event.loop.observe(deployment.view(nowMs)), nowMs);
        queue.push(nowMs + event.loop.everySeconds * 1000, event);
        break;
    }
    record(nowMs);
  }

  const endMs = unfinished > 0 ? limitMs : Math.max(horizonMs, nowMs);
  const batches: BatchOutcome[] = [];
  let podMs = 0;
  let interrupted = 0;
  let scaleWrites = 0;
  let annotationWrites = 0;
  for (const { deployment } of managed.values()) {
    deployment.account(endMs);
    podMs += deployment.counters.podMs;
    interrupted += deployment.counters.interrupted;
    scaleWrites += deployment.counters.scaleWrites;
    annotationWrites += deployment.counters.annotationWrites;
    for (const state of deployment.batches.values()) {
      const arrivedMs = state.arrivedMs ?? state.batch.atSeconds * 1000;
      batches.push({
        target: deployment.target.name,
        batchId: state.batch.batchId,
        images: state.batch.images,
        arrivedSeconds: arrivedMs / 1000,
        turnaroundSeconds: state.doneMs === undefined ? undefined : (state.doneMs - arrivedMs) / 1000,
        idealSeconds: idealSeconds(deployment.target, state.batch.images),
      });
    }
  }
  record(endMs);
  const last = series.at(-1);
  if (last && last.t < endMs / 1000) series.push({ ...last, t: endMs / 1000 });
  batches.sort((a, b) => a.arrivedSeconds - b.arrivedSeconds);
  return {
    workload: workload.name,
    policy: kind.name,
    label: kind.label,
    batches,
    endSeconds: endMs / 1000,
    replicaSeconds: podMs / 1000,
    interrupted,
    scaleWrites,
    annotationWrites,
    peakPods: Math.max(...series.map((point) => point.pods)),
    series,
  };
}
