/**
 * Pod helpers the controllers and tables share: readiness and its time, restarts, whether a pod
 * is active (pkg/controller/controller_utils.go `IsPodActive`), and a new pod from a template as
 * the ReplicaSet controller creates it (pkg/controller/controller_utils.go `GetPodFromTemplate`).
 */
import {
  defaultPodSpec,
  parseTime,
  rfc3339,
  type Container,
  type ObjectMeta,
  type Pod,
  type PodCondition,
  type PodTemplate,
  type StringMap,
} from './objects.js';

/** The pod's Ready condition when its status is True. */
function readyCondition(pod: Pod): PodCondition | undefined {
  for (const c of pod.status.conditions ?? []) if (c.type === 'Ready' && c.status === 'True') return c;
  return undefined;
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod) !== undefined;
}

/** The time the pod became Ready, or undefined when it is not ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const condition = readyCondition(pod);
  return condition === undefined ? undefined : parseTime(condition.lastTransitionTime);
}

export function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status.containerStatuses ?? []) max = Math.max(max, c.restartCount);
  return max;
}

/** `controller.IsPodActive`: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return (
    pod.status.phase !== 'Succeeded' &&
    pod.status.phase !== 'Failed' &&
    pod.metadata.deletionTimestamp === undefined
  );
}

function qosClass(containers: readonly Container[]): string {
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const resources = (c.resources ?? {}) as { requests?: StringMap; limits?: StringMap };
    const requests = resources.requests ?? {};
    const limits = resources.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const resource of ['cpu', 'memory']) {
      const limit = limits[resource];
      const request = requests[resource] ?? limit;
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export interface NewPod {
  readonly namespace: string;
  readonly replicaSetName: string;
  readonly replicaSetUid: string;
  readonly templateHash: string;
  readonly template: PodTemplate;
  readonly uid: string;
  readonly name: string;
  readonly createdAt: number;
}

/** A pod as the ReplicaSet controller creates it: Pending, unscheduled. */
export function podFromTemplate(p: NewPod): Pod {
  const labels = { ...(p.template.metadata?.labels ?? {}), 'pod-template-hash': p.templateHash };
  const metadata: ObjectMeta = {
    name: p.name,
    generateName: `${p.replicaSetName}-`,
    namespace: p.namespace,
    uid: p.uid,
    resourceVersion: '0',
    creationTimestamp: rfc3339(p.createdAt),
    labels,
  };
  const annotations = p.template.metadata?.annotations;
  if (annotations !== undefined && Object.keys(annotations).length > 0)
    metadata.annotations = { ...annotations };
  metadata.ownerReferences = [
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: p.replicaSetName,
      uid: p.replicaSetUid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  const spec = structuredClone(defaultPodSpec(p.template.spec));
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.priority ??= 0;
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata,
    spec,
    status: { phase: 'Pending', qosClass: qosClass(spec.containers) },
  };
}
