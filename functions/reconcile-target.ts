/**
 * One target's reconcile: read the ledger and the Deployment, expire stalled batches, ask the
 * decision core (reading pods only when it needs them), mark busy pods, and write the scale
 * (a scale-in fenced against new work, guards.ts) and the decision record.
 */
import pLimit from 'p-limit';
import type { TargetSpec } from '../shared/config/registry.js';
import type { DeploymentState, ScaleApi } from '../shared/kube/scale-api.js';
import { decideTarget, type TargetState } from '../shared/decide.js';
import { changeAnnotations, type PodState } from '../shared/deletion-costs.js';
import { withRedis } from '../shared/redis/client.js';
import type { FunctionDeps } from './deps.js';
import { expireIfStalled, fencedScaleIn, graceWarning } from './guards.js';
import type { TargetReport } from './reconcile-report.js';

function longestPeriodMs(target: TargetSpec): number {
  return Math.max(...target.scaleIn.policies.map((p) => p.periodSeconds)) * 1000;
}

export async function reconcileTarget(
  deps: FunctionDeps,
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
  deps: FunctionDeps,
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
