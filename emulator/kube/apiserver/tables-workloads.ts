/**
 * Table columns and cells of ReplicaSets, HorizontalPodAutoscalers and ScaledObjects, as
 * kubernetes pkg/printers/internalversion printReplicaSet and printHorizontalPodAutoscaler
 * print them, and as a CRD without extra printer columns is printed (Name, Age) with KEDA's
 * scale-target columns from its CRD (ScaleTargetKind, ScaleTargetName, Min, Max).
 */
import { fromLabelSelector } from '../apis/selector.js';
import type { HorizontalPodAutoscaler, ReplicaSet, ScaledObject } from '../apis/workloads.js';
import type { ColumnDefinition } from './tables.js';

type Cells = (string | number)[];

const col = (name: string, type: string, description: string, priority = 0): ColumnDefinition => ({
  name,
  type,
  format: name === 'Name' ? 'name' : '',
  description,
  priority,
});

const nameColumn = col('Name', 'string', 'Name must be unique within a namespace.');
const ageColumn = col(
  'Age',
  'string',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

export const replicaSetColumns: ColumnDefinition[] = [
  nameColumn,
  col('Desired', 'integer', 'Number of desired pods.'),
  col('Current', 'integer', 'Number of actual pods.'),
  col('Ready', 'integer', 'Number of ready pods.'),
  ageColumn,
  col('Containers', 'string', 'Names of each container in the template.', 1),
  col('Images', 'string', 'Images referenced by each container in the template.', 1),
  col('Selector', 'string', 'Label selector for pods.', 1),
];

export function replicaSetCells(rs: ReplicaSet, age: string): Cells {
  const containers = rs.spec.template.spec.containers;
  return [
    rs.metadata.name,
    rs.spec.replicas,
    rs.status.replicas,
    rs.status.readyReplicas ?? 0,
    age,
    containers.map((c) => c.name).join(','),
    containers.map((c) => c.image ?? '').join(','),
    fromLabelSelector(rs.spec.selector).toString(),
  ];
}

export const hpaColumns: ColumnDefinition[] = [
  nameColumn,
  col('Reference', 'string', 'The reference to the target object.'),
  col('Targets', 'string', 'The current and desired metrics.'),
  col('MinPods', 'string', 'The lower bound of the replicas.'),
  col('MaxPods', 'integer', 'The upper bound of the replicas.'),
  col('Replicas', 'integer', 'The current number of replicas.'),
  ageColumn,
];

export function hpaCells(hpa: HorizontalPodAutoscaler, age: string): Cells {
  const ref = hpa.spec.scaleTargetRef;
  return [
    hpa.metadata.name,
    `${ref.kind ?? ''}/${ref.name}`,
    '<unknown>',
    hpa.spec.minReplicas === undefined ? '<unset>' : String(hpa.spec.minReplicas),
    hpa.spec.maxReplicas,
    hpa.status.currentReplicas ?? 0,
    age,
  ];
}

export const scaledObjectColumns: ColumnDefinition[] = [
  nameColumn,
  col('ScaleTargetKind', 'string', 'spec.scaleTargetRef.kind'),
  col('ScaleTargetName', 'string', 'spec.scaleTargetRef.name'),
  col('Min', 'integer', 'spec.minReplicaCount'),
  col('Max', 'integer', 'spec.maxReplicaCount'),
  ageColumn,
];

export function scaledObjectCells(so: ScaledObject, age: string): Cells {
  const num = (v: unknown): string | number => (typeof v === 'number' ? v : '');
  return [
    so.metadata.name,
    `${so.spec.scaleTargetRef.apiVersion ?? 'apps/v1'}.${so.spec.scaleTargetRef.kind ?? 'Deployment'}`,
    so.spec.scaleTargetRef.name,
    num(so.spec.minReplicaCount),
    num(so.spec.maxReplicaCount),
    age,
  ];
}
