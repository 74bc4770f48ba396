/**
 * Policy: the ML platform's combination of KEDA and the HPA for batch inference, as the
 * platform guide sets it up (its "Batch Inference Processing" strategy and "Scaling Behavior
 * Policies"): KEDA on the queue depth at 10 messages per pod, 0-50 replicas (scale to zero),
 * scale-down 5 minutes after the queue is empty (cooldown 300 s), KEDA's default 30 s polling;
 * the HPA that KEDA drives from 1 to N carries the guide's behavior:
 *   scaleUp:   stabilizationWindowSeconds 0,   Percent 100 per 60 s (can double each minute);
 *   scaleDown: stabilizationWindowSeconds 300, Percent 50 per 60 s  (at most half a minute).
 * e.g. 1 pod and 400 queued: ceil(400 / 10) = 40 wanted, 1 -> 2 at once, then no more within
 * that 60 s period: 2 -> 4 a minute later, 4 -> 8, 8 -> 16, 16 -> 32, 32 -> 40.
 */
import type { PolicyKind } from '../policy.js';
import type { ScalingRules } from './hpa.js';
import { kedaPolicy } from './keda-redis.js';

export const PLATFORM_QUEUE_PER_POD = 10;
export const PLATFORM_POLLING_SECONDS = 30;
export const PLATFORM_COOLDOWN_SECONDS = 300;
export const PLATFORM_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }],
  selectPolicy: 'Max',
};
export const PLATFORM_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
  selectPolicy: 'Max',
};

export const platform: PolicyKind = kedaPolicy({
  name: 'platform',
  label: `KEDA + HPA platform: queue ${PLATFORM_QUEUE_PER_POD}/pod, polling ${PLATFORM_POLLING_SECONDS} s, up 100 %/60 s, down 50 %/60 s after 300 s, cooldown ${PLATFORM_COOLDOWN_SECONDS} s, min 0`,
  listLength: PLATFORM_QUEUE_PER_POD,
  pollingSeconds: PLATFORM_POLLING_SECONDS,
  cooldownSeconds: PLATFORM_COOLDOWN_SECONDS,
  scaleUp: PLATFORM_SCALE_UP,
  scaleDown: PLATFORM_SCALE_DOWN,
});
