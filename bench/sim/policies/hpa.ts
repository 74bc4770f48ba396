/**
 * The Horizontal Pod Autoscaler's algorithm (kubernetes pkg/controller/podautoscaler), once, for
 * the HPA-on-CPU policy and for the HPA that KEDA hands 1 -> N to. Time is a parameter.
 *
 * 1. A proposal from the metric (replica_calculator.go):
 *    - resource utilization: ratio = mean utilization of Ready pods with a metric / target, e.g.
 *      4 Ready pods all busy (100 %) at a 60 % target -> ratio 1.67 -> ceil(1.67 * 4) = 7.
 *      When that would scale up and some pods are not Ready yet, they count as 0 % and the
 *      proposal is taken again: 4 busy + 4 starting -> 4 * 100 / 8 = 50 % -> ratio 0.83: the
 *      direction flips, so the HPA holds at 8 until the new pods report.
 *    - external metric, AverageValue: ceil(total / target per pod), e.g. 400 queued at 5 -> 80.
 *    Within the 10 % tolerance of the target (ratio 0.9 to 1.1) the count does not change.
 * 2. Stabilization (horizontal.go): a scale-down goes only to the highest proposal of the last
 *    300 s, e.g. proposals 50, 30, 1 within 300 s while at 50 -> stays 50.
 * 3. Rate limits per period: up to max(+100 %, +4 pods) per 15 s, e.g. 1 -> 5, 5 -> 10, 10 -> 20,
 *    20 -> 40, 40 -> 50 (the max) in five syncs; down by the scale-down policies (default 100 %
 *    per 15 s, so no limit), computed with the decision core's `policyFloor`.
 * 4. Clamp to [minReplicas, maxReplicas].
 */
import type { ScaleInPolicy, TargetSpec } from '../../../shared/config/registry.js';
import type { DeploymentView, Policy } from '../policy.js';
import { uniform, type Random } from '../random.js';
import type { ScaleInEvent } from '../../../shared/redis/ledger.js';
import { policyFloor } from '../../../shared/decision.js';

export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly policies: readonly ScaleInPolicy[];
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
}

export interface HpaSettings {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** |1 - ratio| at or below this changes nothing (kube-controller-manager default 0.1). */
  readonly tolerance: number;
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** Kubernetes' default behavior (autoscaling/v2). */
export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
  selectPolicy: 'Max',
};
export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  selectPolicy: 'Max',
};
export const HPA_SYNC_SECONDS = 15;
export const HPA_TOLERANCE = 0.1;

export interface PodMetric {
  /** Ready now and with a metric sample taken while Ready. */
  readonly reporting: boolean;
  /** Utilization of the pod's request, 0..1, when reporting. */
  readonly utilization: number;
}

/**
 * Replicas for a resource-utilization target (GetResourceReplicas), or undefined when no Ready
 * pod has a metric yet (the HPA then reports an error and changes nothing).
 */
export function resourceReplicas(
  current: number,
  pods: readonly PodMetric[],
  targetUtilization: number,
  tolerance = HPA_TOLERANCE,
): number | undefined {
  const reporting = pods.filter((pod) => pod.reporting);
  if (reporting.length === 0) return undefined;
  const unready = pods.length - reporting.length;
  const usage = reporting.reduce((sum, pod) => sum + pod.utilization, 0);
  const ratio = usage / reporting.length / targetUtilization;
  if (!(unready > 0 && ratio > 1)) {
    if (Math.abs(1 - ratio) <= tolerance) return current;
    return Math.ceil(ratio * reporting.length);
  }
  // Scaling up with pods not Ready yet: count them at 0 % and look again.
  const newRatio = usage / pods.length / targetUtilization;
  if (Math.abs(1 - newRatio) <= tolerance || newRatio < 1) return current;
  const proposal = Math.ceil(newRatio * pods.length);
  return proposal < current ? current : proposal;
}

/** Replicas for an external metric with an AverageValue target (GetExternalPerPodMetricReplicas). */
export function averageValueReplicas(
  statusReplicas: number,
  usage: number,
  targetPerPod: number,
  tolerance = HPA_TOLERANCE,
): number {
  const ratio = statusReplicas === 0 ? Infinity : usage / (targetPerPod * statusReplicas);
  if (Math.abs(1 - ratio) <= tolerance) return statusReplicas;
  return Math.ceil(usage / targetPerPod);
}

/** The highest count the scale-up policies allow now (calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimit(
  rules: ScalingRules,
  current: number,
  events: readonly ScaleInEvent[],
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const limits = rules.policies.map((policy) => {
    const since = nowMs - policy.periodSeconds * 1000;
    const added = events
      .filter((e) => e.atMs > since)
      .reduce((sum, e) => sum + Math.max(0, e.to - e.from), 0);
    const periodStart = current - added;
    // e.g. periodStart 5: Percent 100 -> ceil(5 * 2) = 10; Pods 4 -> 9; Max -> 10.
    return policy.type === 'Pods'
      ? periodStart + policy.value
      : Math.ceil(periodStart * (1 + policy.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.min(...limits) : Math.max(...limits);
}

/** An HPA with Kubernetes' defaults for a target: min at least 1 (an HPA cannot go to zero). */
export function defaultHpa(target: { readonly minReplicas: number; readonly maxReplicas: number }): Hpa {
  return new Hpa({
    minReplicas: Math.max(1, target.minReplicas),
    maxReplicas: target.maxReplicas,
    tolerance: HPA_TOLERANCE,
    scaleUp: DEFAULT_SCALE_UP,
    scaleDown: DEFAULT_SCALE_DOWN,
  });
}

/** A stage of a metrics pipeline that runs on its own clock, e.g. a scrape every 60 s. */
export interface MetricsStage {
  readonly name: string;
  readonly everySeconds: number;
  collect(view: DeploymentView): void;
}

/**
 * An HPA with Kubernetes' defaults fed by a metrics pipeline, as a policy: `stage` runs every
 * `everySeconds` and the HPA syncs every 15 s, each from a random phase; at a sync `propose`
 * reads what the stage collected (undefined: no usable metric yet) and the HPA's behavior turns
 * it into replicas. At 0 replicas an HPA is disabled and does nothing.
 */
export function hpaPolicy(
  target: TargetSpec,
  random: Random,
  stage: MetricsStage,
  propose: (view: DeploymentView) => number | undefined,
): Policy {
  const hpa = defaultHpa(target);
  return {
    initialReplicas: hpa.settings.minReplicas,
    loops: [
      {
        name: stage.name,
        everySeconds: stage.everySeconds,
        offsetSeconds: uniform(random, 0, stage.everySeconds),
        observe(view) {
          stage.collect(view);
          return undefined;
        },
      },
      {
        name: 'hpa-sync',
        everySeconds: HPA_SYNC_SECONDS,
        offsetSeconds: uniform(random, 0, HPA_SYNC_SECONDS),
        observe(view) {
          if (view.replicas === 0) return undefined;
          const proposal = propose(view);
          return proposal === undefined
            ? undefined
            : { replicas: hpa.next(view.replicas, proposal, view.nowMs) };
        },
      },
    ],
  };
}

/** The stateful part of one HPA object: its recommendations and its scale events. */
export class Hpa {
  private recommendations: Array<{ atMs: number; replicas: number }> = [];
  private events: ScaleInEvent[] = [];

  constructor(readonly settings: HpaSettings) {}

  /** Stabilizes, rate-limits and clamps a proposal; records it and any change. */
  next(current: number, proposal: number, nowMs: number): number {
    const { scaleUp, scaleDown, minReplicas, maxReplicas } = this.settings;
    const upCutoff = nowMs - scaleUp.stabilizationWindowSeconds * 1000;
    const downCutoff = nowMs - scaleDown.stabilizationWindowSeconds * 1000;
    let up = proposal;
    let down = proposal;
    for (const rec of this.recommendations) {
      if (rec.atMs > upCutoff) up = Math.min(up, rec.replicas);
      if (rec.atMs > downCutoff) down = Math.max(down, rec.replicas);
    }
    const keepFrom = Math.min(upCutoff, downCutoff);
    this.recommendations = this.recommendations.filter((rec) => rec.atMs > keepFrom);
    this.recommendations.push({ atMs: nowMs, replicas: proposal });
    const stabilized = Math.min(Math.max(current, up), down);

    let desired = stabilized;
    if (stabilized > current) {
      desired = Math.min(stabilized, Math.max(current, scaleUpLimit(scaleUp, current, this.events, nowMs)));
    } else if (stabilized < current) {
      const floor =
        scaleDown.selectPolicy === 'Disabled'
          ? current
          : policyFloor(
              { policies: [...scaleDown.policies], selectPolicy: scaleDown.selectPolicy },
              current,
              this.downs(),
              nowMs,
            );
      desired = Math.max(stabilized, floor);
    }
    desired = Math.min(maxReplicas, Math.max(minReplicas, desired));

    const longest = Math.max(...[...scaleUp.policies, ...scaleDown.policies].map((p) => p.periodSeconds));
    this.events = this.events.filter((e) => e.atMs > nowMs - longest * 1000);
    if (desired !== current) this.events.push({ atMs: nowMs, from: current, to: desired });
    return desired;
  }

  private downs(): ScaleInEvent[] {
    return this.events.filter((e) => e.to < e.from);
  }
}
