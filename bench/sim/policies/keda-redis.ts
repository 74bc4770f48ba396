/**
 * Policy: KEDA's Redis list scaler, as Celery worker setups use it, with KEDA's defaults:
 * listLength 5 (images waiting per replica: only queued images, the list does not see the ones
 * in flight), pollingInterval 30 s, cooldownPeriod 300 s, minReplicaCount 0.
 * - The KEDA operator polls every 30 s: a non-empty list while at 0 replicas -> 1 (activation);
 *   an empty list for cooldownPeriod since it was last seen non-empty -> 0, from any count.
 * - From 1 to N an HPA on the external metric (AverageValue 5) decides, with Kubernetes' default
 *   behavior: 400 queued -> ceil(400 / 5) = 80 -> capped by the step limit and maxReplicas.
 *   The HPA asks KEDA's metrics server at each 15 s sync, which reads the list then (no cache).
 */
import type { PolicyKind } from '../policy.js';
import { uniform } from '../random.js';
import { averageValueReplicas, defaultHpa, HPA_SYNC_SECONDS } from './hpa.js';

export const LIST_LENGTH = 5;
export const POLLING_SECONDS = 30;
export const COOLDOWN_SECONDS = 300;

export const kedaRedis: PolicyKind = {
  name: 'keda-redis',
  label: `KEDA Redis list: listLength ${LIST_LENGTH}, polling ${POLLING_SECONDS} s, cooldown ${COOLDOWN_SECONDS} s, min 0`,
  create(target, random) {
    const hpa = defaultHpa(target);
    let lastActiveMs: number | undefined;
    return {
      initialReplicas: target.minReplicas,
      loops: [
        {
          name: 'keda-operator',
          everySeconds: POLLING_SECONDS,
          offsetSeconds: uniform(random, 0, POLLING_SECONDS),
          observe(view) {
            if (view.queued > 0) {
              lastActiveMs = view.nowMs;
              return view.replicas === 0 ? { replicas: 1 } : undefined;
            }
            const idleSince = lastActiveMs ?? -Infinity;
            if (view.replicas > target.minReplicas && view.nowMs - idleSince >= COOLDOWN_SECONDS * 1000) {
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
            const proposal = averageValueReplicas(view.pods.length, view.queued, LIST_LENGTH);
            return { replicas: hpa.next(view.replicas, proposal, view.nowMs) };
          },
        },
      ],
    };
  },
};
