/**
 * What reconcile does with one target: a pure function of the target's settings, its replica
 * count, its outstanding work, its recent history and the time.
 *
 * - Scale up at once when the work needs more replicas than run (this also repairs lost events).
 * - Scale in only to the highest recommendation in effect during the stabilization window, e.g.
 *   with a 60 s window in which 8, 5, 3 and now 2 were recommended, the target is 8, not 2.
 *   (Recommendations are recorded when they change; each holds until the next.)
 * - Then at most as far as the step policies allow per period (HPA's behavior.scaleDown):
 *   periodStart = current + replicas removed within the period;
 *   Pods policy:    floor = periodStart - value          (10 running, Pods 4 -> down to 6)
 *   Percent policy: floor = trunc(periodStart * (1 - value / 100))   (10, 50 % -> 5)
 *   `Max` takes the policy allowing the biggest change, `Min` the smallest.
 * - Never below minReplicas, never so far that a busy pod would be removed (see deletion-costs.ts), and
 *   not while images wait to be picked up: an idle pod could take one just before it is removed.
 * A paused Deployment is left alone. "Not enough information yet" is a value (`needsPods`),
 * not an error: the shell looks at the pods and asks again.
 */
import type { TargetSpec } from './config/registry.js';
import type { ScaleInEvent } from './redis/ledger.js';
import { sizeFor, type WorkSummary } from './sizing.js';

export type Action = 'scale_up' | 'scale_in' | 'none' | 'paused';

export interface ReconcileInput {
  readonly target: Pick<
    TargetSpec,
    'imagesPerReplica' | 'minReplicas' | 'maxReplicas' | 'startupSeconds' | 'secondsPerImage' | 'scaleIn'
  >;
  readonly current: number;
  readonly work: WorkSummary;
  readonly nowMs: number;
  /** Highest recommendation of the stabilization window, if any. */
  readonly windowMax?: number | undefined;
  readonly recentScaleIns: readonly ScaleInEvent[];
  readonly paused: boolean;
  /** From rankPods: the fewest replicas that remove no busy pod; undefined until pods were read. */
  readonly mustKeep?: number | undefined;
  readonly busy?: number | undefined;
  /** Outstanding images no pod holds yet (outstanding minus images in flight), once pods were read. */
  readonly unclaimed?: number | undefined;
}

export interface Decision {
  readonly action: Action;
  /** Replicas the work needs now (sizing alone). */
  readonly desired: number;
  /** Replicas to run after window, policies and busy pods; equals current when nothing changes. */
  readonly to: number;
  readonly reason: string;
  /** A scale-in is due but the pods have not been looked at: rank them and decide again. */
  readonly needsPods: boolean;
}

/** The lowest count the step policies allow now. */
export function policyFloor(
  scaleIn: Pick<TargetSpec['scaleIn'], 'policies' | 'selectPolicy'>,
  current: number,
  recent: readonly ScaleInEvent[],
  nowMs: number,
): number {
  const floors = scaleIn.policies.map((policy) => {
    const since = nowMs - policy.periodSeconds * 1000;
    const removed = recent
      .filter((e) => e.atMs > since)
      .reduce((sum, e) => sum + Math.max(0, e.from - e.to), 0);
    const periodStart = current + removed;
    return policy.type === 'Pods'
      ? periodStart - policy.value
      : Math.trunc(periodStart * (1 - policy.value / 100));
  });
  const floor = scaleIn.selectPolicy === 'Min' ? Math.max(...floors) : Math.min(...floors);
  return Math.max(0, floor);
}

export function decide(input: ReconcileInput): Decision {
  const { target, current, nowMs } = input;
  const sizing = sizeFor(target, input.work, nowMs);
  const desired = sizing.replicas;
  const hold = (reason: string): Decision => ({
    action: 'none',
    desired,
    to: current,
    reason,
    needsPods: false,
  });

  if (input.paused) {
    return { action: 'paused', desired, to: current, reason: 'paused by annotation', needsPods: false };
  }
  if (desired > current) {
    return { action: 'scale_up', desired, to: desired, reason: sizing.reason, needsPods: false };
  }
  if (desired === current) return hold(`at desired: ${sizing.reason}`);
  if (target.scaleIn.selectPolicy === 'Disabled') return hold('scale-in disabled (selectPolicy Disabled)');

  const stabilized = Math.max(desired, input.windowMax ?? desired);
  if (stabilized >= current) {
    return hold(
      `stabilizing: ${desired} needed, but ${stabilized} was recommended within ${target.scaleIn.stabilizationSeconds}s`,
    );
  }
  const floor = policyFloor(target.scaleIn, current, input.recentScaleIns, nowMs);
  let to = Math.max(stabilized, floor, target.minReplicas);
  let reason = `${sizing.reason}; scale in ${current} -> ${to}`;
  if (floor > stabilized) reason += ` (step limited: ${stabilized} wanted)`;
  if (to >= current) return hold(`step limit reached for this period (${stabilized} wanted)`);

  if (input.mustKeep === undefined) {
    return { action: 'none', desired, to: current, reason: `${reason}; checking pods`, needsPods: true };
  }
  if ((input.unclaimed ?? 0) > 0) {
    return hold(`${input.unclaimed} image(s) not yet picked up by a pod; ${stabilized} wanted`);
  }
  const busyFloor = input.mustKeep;
  if (busyFloor > to) {
    to = busyFloor;
    reason += `; kept ${busyFloor} so no busy pod is removed (${input.busy ?? 0} busy)`;
  }
  if (to >= current) return hold(`${input.busy ?? 0} busy pod(s) hold work; ${stabilized} wanted`);
  return { action: 'scale_in', desired, to, reason, needsPods: false };
}
