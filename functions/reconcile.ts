/**
 * The `reconcile` function (HTTP, called by Cloud Scheduler): for every registered target, with
 * bounded concurrency, read the ledger and the Deployment, ask the decision core what to do,
 * and apply it. Scale-ups repair lost events; scale-ins go through the stabilization window and
 * step policies, rank pods so idle ones go first and never remove a busy one. A target whose
 * ledger or API cannot be read is not scaled in; the response and the logs say why.
 */
import pLimit from 'p-limit';
import type { TargetSpec } from '../shared/config/registry.js';
import { PrescalerError } from '../shared/errors.js';
import type { ScaleApi, ScaleState } from '../shared/kube/scale-api.js';
import { decideTarget, type TargetState } from '../shared/decide.js';
import type { PodState } from '../shared/deletion-costs.js';
import { withRedis } from '../shared/redis/client.js';
import type { Action } from '../shared/decision.js';
import type { FunctionDeps } from './deps.js';

export type ReconcileDeps = FunctionDeps;

export interface ReconcileOptions {
  readonly dryRun?: boolean;
  /** Limit the pass to one target. */
  readonly target?: string;
}

export interface TargetReport {
  readonly target: string;
  readonly action: Action | 'error';
  readonly current: number | null;
  readonly desired: number | null;
  /** The replica count written, or null when nothing was written. */
  readonly applied: number | null;
  readonly reason: string;
  readonly outstanding: number | null;
  readonly openBatches: number | null;
  readonly busyPods: number | null;
  readonly annotated: number;
  readonly retired: readonly string[];
  readonly expired: ReadonlyArray<{ batchId: string; outstanding: number }>;
  readonly error?: { readonly code: string; readonly message: string; readonly kind: string };
}

export interface ReconcileReport {
  readonly at: string;
  readonly dryRun: boolean;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly targets: readonly TargetReport[];
}

function longestPeriodMs(target: TargetSpec): number {
  return Math.max(...target.scaleIn.policies.map((p) => p.periodSeconds)) * 1000;
}

async function reconcileTarget(
  deps: ReconcileDeps,
  target: TargetSpec,
  dryRun: boolean,
): Promise<TargetReport> {
  const nowMs = deps.clock.now();
  const { ledger } = deps;
  const api: ScaleApi = await deps.clusters.apiFor(target.cluster);
  const [state, scale] = await Promise.all([
    withRedis(deps.redis, (redis) =>
      ledger.sweepAndRead(redis, target.name, {
        nowMs,
        staleMs: target.scaleIn.staleSeconds * 1000,
        windowMs: target.scaleIn.stabilizationSeconds * 1000,
        periodMs: longestPeriodMs(target),
        mutate: !dryRun,
      }),
    ),
    api.readScale(target),
  ]);
  let current: ScaleState = scale;
  let input: TargetState = { target, nowMs, ledger: state, deployment: { replicas: scale.replicas } };
  let decision = decideTarget(input);
  if (decision.needs === 'deployment') {
    // Only a planned change needs the Deployment itself, for its pause annotation.
    const deployment = await api.readDeployment(target);
    current = deployment;
    input = { ...input, deployment: { replicas: deployment.replicas, paused: deployment.paused } };
    decision = decideTarget(input);
  }
  if (decision.needs === 'pods') {
    const pods = (await api.listPods(target.namespace, current.selector)).filter((pod) => !pod.terminating);
    const inFlight = await withRedis(deps.redis, (redis) =>
      ledger.inFlight(
        redis,
        target.name,
        pods.map((pod) => pod.name),
      ),
    );
    const states: PodState[] = pods.map((pod) => ({ ...pod, inFlight: inFlight.get(pod.name) ?? 0 }));
    decision = decideTarget({ ...input, pods: states });
  }
  const { annotations: changes, busyPods } = decision;

  const changing = decision.to !== current.replicas;
  if (!dryRun) {
    if (changing && changes.length > 0) {
      const limit = pLimit(8);
      await Promise.all(
        changes.map((c) => limit(() => api.setDeletionCost(target.namespace, c.pod, c.cost))),
      );
    }
    if (changing) await api.writeScale(target, decision.to, current.resourceVersion);
  }

  const report: TargetReport = {
    target: target.name,
    action: decision.action,
    current: current.replicas,
    desired: decision.desired,
    applied: changing && !dryRun ? decision.to : null,
    reason: dryRun && changing ? `dry run: would set ${decision.to}; ${decision.reason}` : decision.reason,
    outstanding: state.work.outstanding,
    openBatches: state.work.openBatches,
    busyPods,
    annotated: changing && !dryRun ? changes.length : 0,
    retired: state.retired,
    expired: state.expired,
  };
  if (!dryRun && (changing || decision.desired !== state.lastRecommended)) {
    await withRedis(deps.redis, (redis) =>
      ledger.record(redis, target.name, {
        nowMs,
        recommended: decision.desired,
        from: current.replicas,
        to: decision.to,
        ...(changing
          ? { decision: { event: 'reconcile', at: new Date(nowMs).toISOString(), ...report } }
          : {}),
      }),
    );
  }
  return report;
}

function failed(target: TargetSpec, error: unknown): TargetReport {
  const fault = error instanceof PrescalerError ? error : undefined;
  return {
    target: target.name,
    action: 'error',
    current: null,
    desired: null,
    applied: null,
    reason: `not reconciled, so not scaled in: ${(error as Error).message}`,
    outstanding: null,
    openBatches: null,
    busyPods: null,
    annotated: 0,
    retired: [],
    expired: [],
    error: {
      code: fault?.code ?? 'unexpected',
      message: (error as Error).message,
      kind: fault?.kind ?? 'transient',
    },
  };
}

export async function runReconcile(
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const started = deps.clock.now();
  const dryRun = options.dryRun ?? false;
  const targets = options.target
    ? [deps.settings.registry.get(options.target)].filter((t): t is TargetSpec => t !== undefined)
    : deps.settings.registry.targets;
  const limit = pLimit(deps.settings.reconcileConcurrency);
  const reports = await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const targetStarted = deps.clock.now();
        try {
          const report = await reconcileTarget(deps, target, dryRun);
          log(deps, report, deps.clock.now() - targetStarted, dryRun);
          return report;
        } catch (error) {
          const report = failed(target, error);
          deps.logger.log('ERROR', `reconcile failed for ${target.name}: ${report.error?.message}`, {
            event: 'reconcile_failed',
            target: target.name,
            code: report.error?.code,
            kind: report.error?.kind,
            hint: error instanceof PrescalerError ? error.hint : undefined,
          });
          return report;
        }
      }),
    ),
  );
  return {
    at: new Date(started).toISOString(),
    dryRun,
    ok: reports.every((r) => r.action !== 'error'),
    durationMs: deps.clock.now() - started,
    targets: reports,
  };
}

function log(deps: ReconcileDeps, report: TargetReport, latencyMs: number, dryRun: boolean): void {
  if (report.expired.length > 0) {
    deps.logger.log(
      'WARNING',
      `expired stalled batches of ${report.target}: ${report.expired.map((e) => e.batchId).join(', ')}`,
      {
        event: 'batches_expired',
        target: report.target,
        batches: report.expired,
        hint: 'these batches made no progress for staleSeconds; their capacity is released',
      },
    );
  }
  const changed = report.applied !== null;
  deps.logger.log(
    changed ? 'INFO' : 'DEBUG',
    changed
      ? `scaled ${report.target} ${report.current} -> ${report.applied}`
      : `${report.target}: ${report.reason}`,
    {
      event: 'reconcile',
      target: report.target,
      action: report.action,
      from: report.current,
      to: report.applied ?? report.current,
      desired: report.desired,
      reason: report.reason,
      outstanding: report.outstanding,
      busyPods: report.busyPods,
      dryRun,
      latencyMs,
    },
  );
}
