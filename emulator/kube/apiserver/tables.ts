/**
 * `meta.k8s.io/v1` Table responses, as `kubectl get` asks for them (`Accept: application/json;
 * as=Table;v=v1;g=meta.k8s.io`). Columns and cells follow kubernetes pkg/printers/internalversion
 * (printDeployment, printPod, printNamespace); ages are rendered by `duration.HumanDuration` from
 * the emulator's clock, so virtual time shows in the AGE column. Each row carries the object as
 * PartialObjectMetadata (or the full object, or nothing, per `includeObject`).
 */
import { parseTime, type Deployment, type KubeObject, type Namespace, type Pod } from '../apis/objects.js';
import { fromLabelSelector } from '../apis/selector.js';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: (string | number)[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion: string };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const ageDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

const column = (
  name: string,
  type: string,
  description: string,
  priority = 0,
  format = '',
): ColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
});

const deploymentColumns: ColumnDefinition[] = [
  column('Name', 'string', nameDescription, 0, 'name'),
  column('Ready', 'string', 'Number of the pod with ready state'),
  column(
    'Up-to-date',
    'integer',
    'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
  ),
  column(
    'Available',
    'integer',
    'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
  ),
  column('Age', 'string', ageDescription),
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column(
    'Selector',
    'string',
    'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
    1,
  ),
];

const podColumns: ColumnDefinition[] = [
  column('Name', 'string', nameDescription, 0, 'name'),
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  column('Age', 'string', ageDescription),
  column(
    'IP',
    'string',
    'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    1,
  ),
  column('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', 1),
  column(
    'Nominated Node',
    'string',
    'nominatedNodeName is set when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.',
    1,
  ),
  column(
    'Readiness Gates',
    'string',
    'If specified, all readiness gates will be evaluated for pod readiness.',
    1,
  ),
];

const namespaceColumns: ColumnDefinition[] = [
  column('Name', 'string', nameDescription, 0, 'name'),
  column('Status', 'string', 'The status of the namespace'),
  column('Age', 'string', ageDescription),
];

/** apimachinery `duration.HumanDuration`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3600000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** `translateTimestampSince`. */
export function age(timestamp: string | undefined, now: number): string {
  const t = parseTime(timestamp);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

function deploymentCells(d: Deployment, now: number): (string | number)[] {
  const containers = d.spec.template.spec.containers;
  return [
    d.metadata.name,
    `${d.status.readyReplicas ?? 0}/${d.spec.replicas}`,
    d.status.updatedReplicas ?? 0,
    d.status.availableReplicas ?? 0,
    age(d.metadata.creationTimestamp, now),
    containers.map((c) => c.name).join(','),
    containers.map((c) => c.image ?? '').join(','),
    fromLabelSelector(d.spec.selector).toString(),
  ];
}

/** The STATUS column of `kubectl get pods` (printPod's `reason`). */
export function podStatusReason(pod: Pod): string {
  let reason: string = pod.status.phase;
  for (const c of pod.status.containerStatuses ?? []) {
    const waiting = c.state.waiting as { reason?: string } | undefined;
    const terminated = c.state.terminated as { reason?: string } | undefined;
    if (waiting?.reason) reason = waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
  }
  if (pod.metadata.deletionTimestamp !== undefined) reason = 'Terminating';
  return reason;
}

function podCells(pod: Pod, now: number): (string | number)[] {
  const statuses = pod.status.containerStatuses ?? [];
  const total = pod.spec.containers.length;
  const ready = statuses.filter((c) => c.ready).length;
  const restarts = statuses.reduce((sum, c) => sum + c.restartCount, 0);
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    podStatusReason(pod),
    String(restarts),
    age(pod.metadata.creationTimestamp, now),
    pod.status.podIP ?? '<none>',
    pod.spec.nodeName ?? '<none>',
    '<none>',
    '<none>',
  ];
}

function namespaceCells(ns: Namespace, now: number): (string | number)[] {
  return [ns.metadata.name, ns.status.phase, age(ns.metadata.creationTimestamp, now)];
}

function rowObject(object: KubeObject, include: IncludeObject, apiVersion: string): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: object.metadata };
}

export type TableResource = 'pods' | 'deployments' | 'namespaces';

const columnsOf: Readonly<Record<TableResource, ColumnDefinition[]>> = {
  pods: podColumns,
  deployments: deploymentColumns,
  namespaces: namespaceColumns,
};

function cellsOf(object: KubeObject, now: number): (string | number)[] {
  switch (object.kind) {
    case 'Pod':
      return podCells(object, now);
    case 'Namespace':
      return namespaceCells(object, now);
    case 'Deployment':
      return deploymentCells(object, now);
  }
}

/** A Table of `objects` (all of one resource); `tableVersion` is the version the client asked for. */
export function table(
  resource: TableResource,
  objects: readonly KubeObject[],
  resourceVersion: string,
  now: number,
  include: IncludeObject,
  tableVersion: 'v1' | 'v1beta1',
): Table {
  const apiVersion = `meta.k8s.io/${tableVersion}`;
  const rows = objects.map((object): TableRow => {
    const row: TableRow = { cells: cellsOf(object, now) };
    const embedded = rowObject(object, include, apiVersion);
    if (embedded !== undefined) row.object = embedded;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion,
    metadata: { resourceVersion },
    columnDefinitions: columnsOf[resource],
    rows,
  };
}
