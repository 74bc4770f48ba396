/**
 * The objects the emulator serves besides Deployments, Pods and Namespaces: ReplicaSets
 * (apps/v1, read-only views of each Deployment's ReplicaSets), and the other autoscalers a
 * Deployment may have, stored as created: autoscaling/v2 HorizontalPodAutoscalers and KEDA's
 * keda.sh/v1alpha1 ScaledObjects (pkg/apis/apps, pkg/apis/autoscaling; KEDA's CRD).
 */
import type { ObjectMeta, PodTemplate } from './objects.js';
import type { LabelSelector } from './selector.js';

export interface ReplicaSet {
  kind: 'ReplicaSet';
  apiVersion: 'apps/v1';
  metadata: ObjectMeta;
  spec: { replicas: number; minReadySeconds?: number; selector: LabelSelector; template: PodTemplate };
  status: {
    replicas: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration: number;
  };
}

export interface ScaleTargetRef {
  apiVersion?: string;
  kind?: string;
  name: string;
}

export interface HorizontalPodAutoscaler {
  kind: 'HorizontalPodAutoscaler';
  apiVersion: 'autoscaling/v2';
  metadata: ObjectMeta;
  spec: {
    scaleTargetRef: ScaleTargetRef;
    minReplicas?: number;
    maxReplicas: number;
    [field: string]: unknown;
  };
  status: { currentReplicas?: number; desiredReplicas?: number; [field: string]: unknown };
}

export interface ScaledObject {
  kind: 'ScaledObject';
  apiVersion: 'keda.sh/v1alpha1';
  metadata: ObjectMeta;
  spec: { scaleTargetRef: ScaleTargetRef; [field: string]: unknown };
  status?: Record<string, unknown>;
}

/** The stored autoscalers, by kind. */
export type Autoscaler = HorizontalPodAutoscaler | ScaledObject;
