/**
 * The Deployment controller's status: replicas, updated, ready, available and unavailable counts,
 * observedGeneration and the Available / Progressing conditions, recomputed whenever one of the
 * Deployment's pods or its spec changes; terminating pods do not count (pkg/controller/deployment/
 * sync.go calculateStatus, util/deployment_util.go). Rolling updates are not simulated.
 */
import { rfc3339, type DeploymentCondition, type DeploymentStatus } from '../apis/objects.js';
import { isPodActive, isPodReady, podReadyTime } from '../apis/pods.js';
import type { DeploymentEntry, Store } from '../storage/store.js';

interface Counts {
  readonly desired: number;
  readonly available: number;
  readonly updated: number;
  readonly replicas: number;
}

function conditions(entry: DeploymentEntry, counts: Counts, at: number): DeploymentCondition[] {
  const { desired, available, updated, replicas } = counts;
  const time = rfc3339(at);
  const previous = new Map((entry.object.status.conditions ?? []).map((c) => [c.type, c]));
  const maxUnavailable = Math.floor(desired * 0.25);
  const availableNow = available >= desired - maxUnavailable;
  const complete = updated === desired && replicas === desired && available === desired;
  const make = (
    type: string,
    status: 'True' | 'False',
    reason: string,
    message: string,
  ): DeploymentCondition => {
    const old = previous.get(type);
    const unchanged = old !== undefined && old.status === status && old.reason === reason;
    return {
      type,
      status,
      lastUpdateTime: unchanged ? old.lastUpdateTime : time,
      lastTransitionTime: old !== undefined && old.status === status ? old.lastTransitionTime : time,
      reason,
      message,
    };
  };
  const rs = entry.replicaSetName;
  return [
    availableNow
      ? make('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
      : make(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        ),
    complete
      ? make(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rs}" has successfully progressed.`,
        )
      : make('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rs}" is progressing.`),
  ];
}

/** Recomputes the Deployment's status at `at` and stores it when it changed. */
export function syncDeploymentStatus(store: Store, entry: DeploymentEntry, at: number): void {
  const d = entry.object;
  const minReadyMs = (d.spec.minReadySeconds ?? 0) * 1000;
  let replicas = 0;
  let updated = 0;
  let ready = 0;
  let available = 0;
  for (const { object: pod } of entry.pods) {
    if (!isPodActive(pod)) continue;
    replicas++;
    if (pod.metadata.labels?.['pod-template-hash'] === entry.templateHash) updated++;
    if (!isPodReady(pod)) continue;
    ready++;
    const readySince = podReadyTime(pod);
    if (minReadyMs === 0 || (readySince !== undefined && readySince + minReadyMs <= at)) available++;
  }
  const desired = d.spec.replicas;
  const status: DeploymentStatus = { observedGeneration: d.metadata.generation ?? 1 };
  if (replicas > 0) status.replicas = replicas;
  if (updated > 0) status.updatedReplicas = updated;
  if (ready > 0) status.readyReplicas = ready;
  if (available > 0) status.availableReplicas = available;
  if (desired - available > 0) status.unavailableReplicas = desired - available;
  status.conditions = conditions(entry, { desired, available, updated, replicas }, at);
  if (JSON.stringify(status) === JSON.stringify(d.status)) return;
  d.status = status;
  if (d.metadata.annotations?.['deployment.kubernetes.io/revision'] === undefined) {
    d.metadata.annotations = { ...(d.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': '1' };
  }
  store.changeDeployment(entry);
}
