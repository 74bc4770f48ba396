/**
 * Policy: KEDA's Redis list scaler, as Celery worker setups use it (the FastAPI + Celery system),
 * with KEDA's defaults: listLength 5 (images waiting per replica: only queued images, the list
 * does not see the ones in flight), pollingInterval 30 s, cooldownPeriod 300 s, minReplicaCount 0.
 * - The KEDA operator polls every 30 s: a non-empty list while at 0 replicas -> 1 (activation);
 *   an empty list for cooldownPeriod since it was last seen non-empty -> 0, from any count.
 * - From 1 to N an HPA on the external metric (AverageValue 5) decides, with Kubernetes' default
 *   behavior: 400 queued -> ceil(400 / 5) = 80 -> capped by the step limit and maxReplicas.
 *   The HPA asks KEDA's metrics server at each 15 s sync, which reads the list then (no cache).
 * `kedaPolicy` takes other settings (the platform policy uses it with its own behavior).
 */
import type { PolicyKind } from '../policy.js';
import { uniform } from '../random.js';
import {
  averageValueReplicas,
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  Hpa,
  HPA_SYNC_SECONDS,
  HPA_TOLERANCE,
  type ScalingRules,
} from './hpa.js';

export const LIST_LENGTH = 5;
export const POLLING_SECONDS = 30;
export const COOLDOWN_SECONDS = 300;

export interface KedaOptions {
  readonly name: string;
  readonly label: string;
  readonly listLength: number;
  readonly pollingSeconds: number;
  readonly cooldownSeconds: number;
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

export function kedaPolicy(options: KedaOptions): PolicyKind {
  const { listLength, pollingSeconds, cooldownSeconds } = options;
  return {
    name: options.name,
    label: options.label,
    create(target, random) {
      const hpa = new Hpa({
        minReplicas: Math.max(1, target.minReplicas),
        maxReplicas: target.maxReplicas,
        tolerance: HPA_TOLERANCE,
        scaleUp: options.scaleUp,
        scaleDown: options.scaleDown,
      });
      let lastActiveMs: number | undefined;
      return {
        initialReplicas: target.minReplicas,
        loops: [
          {
            name: 'keda-operator',
            everySeconds: pollingSeconds,
            offsetSeconds: uniform(random, 0, pollingSeconds),
            observe(view) {
              if (view.queued > 0) {
                lastActiveMs = view.nowMs;
                return view.replicas === 0 ? { replicas: 1 } : undefined;
              }
              const idleSince = lastActiveMs ?? -Infinity;
              if (view.replicas > target.minReplicas && view.nowMs - idleSince >= cooldownSeconds * 1000) {
                return { replicas: target.minReplicas };
              }
              return undefined;
            },
          },
          {
            name: 'hpa-sync',
            everySeconds: HPA_SYNC_SECONDS,
            offsetSeconds: uniform(random, 0, HPA_SYNC_SECONDS),
            observe(view) {
              if (view.replicas === 0) return undefined; // KEDA owns 0 <-> 1
              const proposal = averageValueReplicas(view.pods.length, view.queued, listLength);
              return { replicas: hpa.next(view.replicas, proposal, view.nowMs) };
            },
          },
        ],
      };
    },
  };
}

export const kedaRedis: PolicyKind = kedaPolicy({
  name: 'keda-redis',
  label: `KEDA Redis list: listLength ${LIST_LENGTH}, polling ${POLLING_SECONDS} s, cooldown ${COOLDOWN_SECONDS} s, min 0`,
  listLength: LIST_LENGTH,
  pollingSeconds: POLLING_SECONDS,
  cooldownSeconds: COOLDOWN_SECONDS,
  scaleUp: DEFAULT_SCALE_UP,
  scaleDown: DEFAULT_SCALE_DOWN,
});
