/**
 * A target for the decision-core tests: scale-in through a 60 s window, at most 4 pods per 30 s,
 * one image per replica, 0 to 50 replicas.
 */
import type { TargetSpec } from '../../shared/config/registry.js';

export const scaleIn: TargetSpec['scaleIn'] = {
  stabilizationSeconds: 60,
  policies: [{ type: 'Pods', value: 4, periodSeconds: 30 }],
  selectPolicy: 'Max',
  staleSeconds: 900,
};

export const target = { imagesPerReplica: 1, minReplicas: 0, maxReplicas: 50, scaleIn };
