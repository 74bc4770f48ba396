/**
 * The one narrow interface every scaling policy implements. A policy sees a read-only view of
 * its Deployment at its own cadence (its loops) and, if it listens to the pipeline, when a batch
 * is announced; it answers with the replica count to write and, optionally, pod annotations.
 * The simulator applies the answer the same way for every policy.
 */
import type { TargetSpec } from '../../shared/config/registry.js';
import type { CostChange, PodState } from '../../shared/deletion-costs.js';
import type { Random } from './random.js';
import type { Batch } from './workload.js';

export interface DeploymentView {
  readonly target: TargetSpec;
  readonly nowMs: number;
  /** The Deployment's spec.replicas. */
  readonly replicas: number;
  /** Every pod that exists, starting ones included, with the images each holds. */
  readonly pods: readonly PodState[];
  /** Images that arrived and wait for a free slot: what a Redis list of jobs holds. */
  readonly queued: number;
  /** The ledger: images of announced batches not done yet (not arrived, queued or in flight). */
  readonly outstanding: number;
  readonly openBatches: number;
  /**
   * Counters since the start, as a model server exports them: images taken off the queue by a
   * pod, and their summed wait from arrival to that moment (TorchServe's queue latency).
   */
  readonly started?: number;
  readonly waitedMs?: number;
}

export interface ScaleAction {
  /** The replica count to write; omitted or equal to the current count writes nothing. */
  readonly replicas?: number | undefined;
  /** Pod annotations to write before the replica count (pod-deletion-cost). */
  readonly annotations?: readonly CostChange[] | undefined;
}

export interface Loop {
  readonly name: string;
  readonly everySeconds: number;
  /** First run, seconds from the start; loops of real controllers do not start in phase. */
  readonly offsetSeconds: number;
  observe(view: DeploymentView): ScaleAction | undefined;
}

export interface Policy {
  /** Replicas the Deployment has at the start (Ready, as if running for a long time). */
  readonly initialReplicas: number;
  readonly loops: readonly Loop[];
  /** A batch was announced and registered in the ledger (only policies that listen to it). */
  announce?(batch: Batch, view: DeploymentView): ScaleAction | undefined;
}

export interface PolicyKind {
  /** Short name used in tables and options, e.g. `hpa-cpu`. */
  readonly name: string;
  /** One line saying what the policy is and its settings. */
  readonly label: string;
  create(target: TargetSpec, random: Random): Policy;
}
