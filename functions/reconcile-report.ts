/**
 * What a reconcile pass reports and logs: the report of each target and of the pass, the report
 * of a target that failed or that the pass deadline left out, and the log lines a target's
 * report gives (expired batches, a change, or why nothing changed).
 */
import type { TargetSpec } from '../shared/config/registry.js';
import type { Action } from '../shared/decision.js';
import { PrescalerError } from '../shared/errors.js';
import type { FunctionDeps } from './deps.js';
import { GRACE_WARNING_PREFIX } from './guards.js';

/** Reports are logged; nothing else of the function's dependencies is needed. */
type ReportDeps = Pick<FunctionDeps, 'logger'>;

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

/** A target the pass deadline left out (pass.ts): logged as an error, reported as skipped. */
export function skipped(deps: ReportDeps, target: TargetSpec, reason: string): TargetReport {
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

/** A target whose ledger or API could not be read: not reconciled, so not scaled in. */
export function failed(target: TargetSpec, error: unknown): TargetReport {
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

/** `failed`, logged as an error with the fault's code, kind and hint. */
export function failedAndLogged(deps: ReportDeps, target: TargetSpec, error: unknown): TargetReport {
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

/** The log lines of a target's report: expired batches, then the change or why there was none. */
export function logReport(deps: ReportDeps, report: TargetReport, latencyMs: number, dryRun: boolean): void {
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
