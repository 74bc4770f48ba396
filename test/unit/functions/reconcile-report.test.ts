/**
 * What a reconcile pass reports and logs for a target: a fault (named, permanent or transient,
 * never a scale-in), a target the pass deadline left out, and the log line of a report, whose
 * severity says whether anything changed.
 */
import { describe, expect, it } from '@jest/globals';
import { parseRegistry, type TargetSpec } from '../../../shared/config/registry.js';
import { KubeApiError } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/log.js';
import {
  failed,
  failedAndLogged,
  logReport,
  skipped,
  type TargetReport,
} from '../../../functions/reconcile-report.js';

const target = parseRegistry({
  targets: {
    'acme/resnet101/v1': {
      cluster: { kubeconfig: '/unused' },
      namespace: 'ns',
      deployment: 'd',
      imagesPerReplica: 1,
      maxReplicas: 4,
    },
  },
}).get('acme/resnet101/v1') as TargetSpec;

describe('reports of targets not reconciled', () => {
  it.each([
    [new KubeApiError(403, 'Forbidden', 'forbidden'), 'kube_forbidden', 'permanent'],
    [new Error('socket hang up'), 'unexpected', 'transient'],
  ])('a fault is an error that scales nothing: %s', (error, code, kind) => {
    const report = failed(target, error);
    expect(report).toMatchObject({ action: 'error', applied: null, current: null, error: { kind } });
    expect(report.error?.code).toBe(code);
    expect(report.reason).toBe(`not reconciled, so not scaled in: ${error.message}`);
  });

  it('logs a fault as an ERROR line with its code, kind and hint', () => {
    const logger = new MemoryLogger();
    const error = new KubeApiError(404, 'NotFound', 'no such Deployment', 'check the registry');
    failedAndLogged({ logger }, target, error);
    expect(logger.entries).toEqual([
      expect.objectContaining({
        severity: 'ERROR',
        event: 'reconcile_failed',
        target: target.name,
        kind: 'permanent',
        hint: 'check the registry',
      }),
    ]);
  });

  it('reports a target the deadline left out as skipped, a transient pass_deadline', () => {
    const logger = new MemoryLogger();
    const report = skipped({ logger }, target, 'pass deadline reached');
    expect(report).toMatchObject({
      action: 'skipped',
      reason: 'not reconciled: pass deadline reached',
      error: { code: 'pass_deadline', kind: 'transient' },
    });
    expect(logger.entries[0]).toMatchObject({ severity: 'ERROR', event: 'reconcile_skipped' });
  });
});

describe('logReport', () => {
  const base: TargetReport = { ...failed(target, new Error('x')), action: 'none', error: undefined };

  it.each([
    [{ applied: 3, current: 1 }, 'INFO', 'scaled acme/resnet101/v1 1 -> 3'],
    [{ warnings: ['no pod Ready'], reason: 'holds' }, 'NOTICE', 'acme/resnet101/v1: holds'],
    [{ reason: 'holds' }, 'DEBUG', 'acme/resnet101/v1: holds'],
  ])('%j is logged at %s', (fields, severity, message) => {
    const logger = new MemoryLogger();
    logReport({ logger }, { ...base, ...fields }, 12, false);
    expect(logger.entries).toEqual([
      expect.objectContaining({ severity, message, event: 'reconcile', latencyMs: 12 }),
    ]);
  });

  it('logs expired batches first, as a WARNING', () => {
    const logger = new MemoryLogger();
    logReport({ logger }, { ...base, expired: [{ batchId: 'b1', outstanding: 4 }] }, 1, false);
    expect(logger.entries.map((e) => [e.severity, e.event])).toEqual([
      ['WARNING', 'batches_expired'],
      ['DEBUG', 'reconcile'],
    ]);
  });
});
