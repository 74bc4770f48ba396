// Shared fixtures of the simulator tests: a registry with one target, workloads, fixed policies.
import type { Registry } from '../../../../shared/config/registry.js';
import { benchRegistry, REFERENCE_TARGET } from '../../../../bench/sim/workloads.js';
import type { PolicyKind } from '../../../../bench/sim/policy.js';
import type { Batch, Workload } from '../../../../bench/sim/workload.js';

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

/** Scales to `replicas` on each announcement and never scales in. */
export function fixed(replicas: number, initialReplicas = 0): PolicyKind {
  return {
    name: 'fixed',
    label: `fixed at ${replicas}`,
    create: () => ({ initialReplicas, loops: [], announce: () => ({ replicas }) }),
  };
}
