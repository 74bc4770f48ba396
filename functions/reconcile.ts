/**
 * The `reconcile` function (HTTP, called by Cloud Scheduler): for every registered target, with
 * bounded concurrency, read the ledger and the Deployment, ask the decision core what to do,
 * and apply it. Scale-ups repair lost events; scale-ins go through the stabilization window and
 * step policies, rank pods so idle ones go first and never remove a busy one. A target whose
 * ledger or API cannot be read is not scaled in; the response and the logs say why.
 */
import type { TargetSpec } from '../shared/config/registry.js';
import type { FunctionDeps } from './deps.js';
import { boundedPass, rotate, rotation } from './pass.js';
import {
  failedAndLogged,
  logReport,
  skipped,
  type ReconcileReport,
  type TargetReport,
} from './reconcile-report.js';
import { reconcileTarget } from './reconcile-target.js';

export type { ReconcileReport, TargetReport } from './reconcile-report.js';

export type ReconcileDeps = FunctionDeps;

export interface ReconcileOptions {
  readonly dryRun?: boolean;
  /** Limit the pass to one target. */
  readonly target?: string;
  /** False: no pod ranking, the ReplicaSet picks pods (the soak's comparison); default true. */
  readonly rank?: boolean;
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
        logReport(deps, report, deps.clock.now() - targetStarted, dryRun);
        return report;
      } catch (error) {
        return failedAndLogged(deps, target, error);
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
