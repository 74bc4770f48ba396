// Shared fixtures of the simulator tests: a registry with one target, workloads, fixed policies.
import type { Registry, TargetSpec } from '../../../../shared/config/registry.js';
import type { PodState } from '../../../../shared/deletion-costs.js';
import { benchRegistry, REFERENCE_TARGET } from '../../../../bench/sim/workloads.js';
import type { DeploymentView, Loop, PolicyKind } from '../../../../bench/sim/policy.js';
import { mulberry32 } from '../../../../bench/sim/random.js';
import type { Batch, Workload } from '../../../../bench/sim/workload.js';
import { simulate, type SimOptions } from '../../../../bench/sim/simulate.js';
import type { SimResult } from '../../../../bench/sim/metrics.js';

export const TARGET = REFERENCE_TARGET;

export function registry(over: Record<string, unknown> = {}): Registry {
  return benchRegistry(over);
}

export function workload(batches: ReadonlyArray<Omit<Batch, 'target'>>, durationSeconds = 0): Workload {
  return {
    name: 'test',
    description: 'test',
    batches: batches.map((b) => ({ target: TARGET, ...b })),
    durationSeconds,
  };
}

/** Simulates `policy` on `batches` for the reference registry and seed 1; `options` change either. */
export function simulateBatches(
  policy: PolicyKind,
  batches: ReadonlyArray<Omit<Batch, 'target'>>,
  options: Partial<Omit<SimOptions, 'workload' | 'policy'>> = {},
): SimResult {
  return simulate({ workload: workload(batches), policy, registry: registry(), seed: 1, ...options });
}

/** Scales to `replicas` on each announcement and never scales in. */
export function fixed(replicas: number, initialReplicas = 0): PolicyKind {
  return {
    name: 'fixed',
    label: `fixed at ${replicas}`,
    create: () => ({ initialReplicas, loops: [], announce: () => ({ replicas }) }),
  };
}

/** The named loop of a policy created for the reference target. */
export function loopOf(kind: PolicyKind, name: string, seed = 1): Loop {
  const policy = kind.create(registry().get(TARGET) as TargetSpec, mulberry32(seed));
  const loop = policy.loops.find((l) => l.name === name);
  if (loop === undefined) throw new Error(`policy ${kind.name} has no loop "${name}"`);
  return loop;
}

/** A view of the reference target at `nowSeconds` with `ready` Ready pods holding `busy` images. */
export function viewAt(
  nowSeconds: number,
  over: Partial<DeploymentView> & { ready?: number; busy?: number } = {},
): DeploymentView {
  const { ready = 0, busy = 0, ...rest } = over;
  const pods: PodState[] = Array.from({ length: ready }, (_, i) => ({
    name: `p${i}`,
    uid: `p${i}`,
    nodeName: `n${i}`,
    phase: 'Running',
    ready: true,
    readySinceMs: 0,
    createdMs: 0,
    restarts: 0,
    inFlight: i < busy ? 1 : 0,
  }));
  return {
    target: registry().get(TARGET) as TargetSpec,
    nowMs: nowSeconds * 1000,
    replicas: ready,
    pods,
    queued: 0,
    outstanding: 0,
    openBatches: 0,
    ...rest,
  };
}
