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
import type { DeploymentState, ScaleApi } from '../shared/kube/scale-api.js';
import { decideTarget, type TargetState } from '../shared/decide.js';
import { changeAnnotations, type PodState } from '../shared/deletion-costs.js';
import { withRedis } from '../shared/redis/client.js';
import type { Action } from '../shared/decision.js';
import type { FunctionDeps } from './deps.js';
import { expireIfStalled, fencedScaleIn, GRACE_WARNING_PREFIX, graceWarning } from './guards.js';
import { boundedPass, rotate, rotation } from './pass.js';

export type ReconcileDeps = FunctionDeps;

export interface ReconcileOptions {
  readonly dryRun?: boolean;
  /** Limit the pass to one target. */
  readonly target?: string;
  /** False: no pod ranking, the ReplicaSet picks pods (the soak's comparison); default true. */
  readonly rank?: boolean;
}

export interface TargetReport {
  readonly target: string;
  /** `skipped`: not reconciled within the pass deadline (see `reason`). */
  readonly action: Action | 'error' | 'skipped';
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
  /** What the operator should know: no pod Ready while work stalls, a grace period too short. */
  readonly warnings: readonly string[];
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
  rank = true,
): Promise<TargetReport> {
  const nowMs = deps.clock.now();
  const { ledger } = deps;
  const api: ScaleApi = await deps.clusters.apiFor(target.cluster);
  const [state, deployment] = await Promise.all([
    withRedis(deps.redis, (redis) =>
      ledger.sweepAndRead(redis, target.name, {
        nowMs,
        staleMs: target.scaleIn.staleSeconds * 1000,
        windowMs: target.scaleIn.stabilizationSeconds * 1000,
        periodMs: longestPeriodMs(target),
        mutate: !dryRun,
      }),
    ),
    api.readDeployment(target),
  ]);
  const expiry = await expireIfStalled(deps.redis, ledger, target, state, deployment, { nowMs, dryRun });
  const grace = graceWarning(target, deployment.graceSeconds, deps.logger);
  const warnings = [...expiry.warnings, ...(grace ? [grace] : [])];
  const input: TargetState = {
    target,
    nowMs,
    rank,
    ledger: { ...state, work: expiry.work },
    deployment: {
      replicas: deployment.replicas,
      paused: deployment.paused,
      uid: deployment.uid,
      rollout: deployment.rollout,
    },
  };
  let decision = decideTarget(input);
  if (decision.needs === 'pods') {
    decision = decideTarget({
      ...input,
      ...(await readPods(deps, api, target, deployment, decision.needsPods)),
    });
  }
  const { annotations: changes, busyPods } = decision;
  const changing = decision.to !== deployment.replicas;
  const base = {
    target: target.name,
    action: decision.action,
    current: deployment.replicas,
    desired: decision.desired,
    outstanding: expiry.work.outstanding,
    openBatches: expiry.work.openBatches,
    busyPods,
    retired: state.retired,
    expired: expiry.expired,
    warnings,
  };
  if (dryRun) {
    const reason = changing ? `dry run: would set ${decision.to}; ${decision.reason}` : decision.reason;
    return { ...base, applied: null, reason, annotated: 0 };
  }
  // Busy pods are marked (and idle ones cleared) on every pass, before any scale-in.
  const limit = pLimit(8);
  await Promise.all(
    changes.map((c) => limit(() => api.annotatePod(target.namespace, c.pod, changeAnnotations(c)))),
  );
  const report: TargetReport = {
    ...base,
    applied: changing ? decision.to : null,
    reason: decision.reason,
    annotated: changes.length,
  };
  const record = {
    nowMs,
    recommended: decision.desired,
    from: deployment.replicas,
    to: decision.to,
    decision: { event: 'reconcile', at: new Date(nowMs).toISOString(), ...report },
  };
  if (changing && decision.action === 'scale_in') {
    const outcome = await fencedScaleIn(deps.redis, ledger, api, target, {
      ...record,
      generation: state.generation,
      resourceVersion: deployment.resourceVersion,
    });
    if (!outcome.written) return { ...report, action: 'none', applied: null, reason: outcome.reason };
    return outcome.repairedTo === undefined
      ? report
      : {
          ...report,
          reason: `${report.reason}; new work arrived during the write: scaled back up to ${outcome.repairedTo}`,
        };
  }
  if (changing) await api.writeScale(target, decision.to, deployment.resourceVersion);
  if (changing || decision.desired !== state.lastRecommended) {
    await withRedis(deps.redis, (redis) =>
      ledger.record(redis, target.name, changing ? record : { ...record, decision: undefined }),
    );
  }
  return report;
}

/** The pods with their heartbeats, the ReplicaSets, and (before a scale-in) other autoscalers. */
async function readPods(
  deps: ReconcileDeps,
  api: ScaleApi,
  target: TargetSpec,
  deployment: DeploymentState,
  scaleInDue: boolean,
): Promise<Pick<TargetState, 'pods' | 'replicaSets' | 'conflicts'>> {
  const [pods, replicaSets, conflicts] = await Promise.all([
    api.listPods(target.namespace, deployment.selector),
    api.listReplicaSets(target.namespace, deployment.selector),
    scaleInDue ? api.otherAutoscalers(target) : Promise.resolve([]),
  ]);
  const active = pods.filter((pod) => !pod.terminating);
  const inFlight = await withRedis(deps.redis, (redis) =>
    deps.ledger.inFlight(
      redis,
      target.name,
      active.map((pod) => pod.name),
    ),
  );
  return {
    pods: active.map((pod): PodState => ({ ...pod, inFlight: inFlight.get(pod.name) ?? 0 })),
    replicaSets,
    conflicts,
  };
}

function skipped(deps: ReconcileDeps, target: TargetSpec, reason: string): TargetReport {
  deps.logger.log('ERROR', `reconcile skipped ${target.name}: ${reason}`, {
    event: 'reconcile_skipped',
    target: target.name,
    reason,
    hint: 'a slow or unreachable cluster held the pass; the next pass starts elsewhere in the list',
  });
  return {
    ...failed(target, new Error(reason)),
    action: 'skipped',
    reason: `not reconciled: ${reason}`,
    error: { code: 'pass_deadline', message: reason, kind: 'transient' },
  };
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
    warnings: [],
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
  const start = await rotation(deps.redis, deps.settings.keyPrefix, targets.length);
  const limits = {
    clock: deps.clock,
    concurrency: deps.settings.reconcileConcurrency,
    deadlineMs: started + deps.settings.reconcileDeadlineSeconds * 1000,
  };
  const byName = new Map<string, TargetReport>();
  const rotated = await boundedPass(
    rotate(targets, start),
    limits,
    async (target) => {
      const targetStarted = deps.clock.now();
      try {
        const report = await reconcileTarget(deps, target, dryRun, options.rank);
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
    },
    (target, reason) => skipped(deps, target, reason),
  );
  for (const report of rotated) byName.set(report.target, report);
  const reports = targets.map((t) => byName.get(t.name) as TargetReport);
  return {
    at: new Date(started).toISOString(),
    dryRun,
    ok: reports.every((r) => r.action !== 'error' && r.action !== 'skipped'),
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
    changed ? 'INFO' : report.warnings.length > 0 ? 'NOTICE' : 'DEBUG',
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
      // The grace-period warning is logged once per instance where it is found (guards.ts).
      warnings: report.warnings.filter((w) => !w.startsWith(GRACE_WARNING_PREFIX)),
      dryRun,
      latencyMs,
    },
  );
}
