/**
 * The Deployment's status from its ReplicaSets (kubernetes pkg/controller/deployment/sync.go
 * calculateStatus, progress.go syncRolloutStatus; util/deployment_util.go SetDeploymentCondition,
 * DeploymentComplete, DeploymentProgressing, DeploymentTimedOut): replicas, updated, ready,
 * available and unavailable counts, observedGeneration, and the Available and Progressing
 * conditions with the upstream reasons and messages. Stored only when something changed.
 */
import {
  parseTime,
  rfc3339,
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
} from '../apis/objects.js';
import type { DeploymentEntry, Store } from '../storage/store.js';
import { availableReplicas, equalIgnoreHash, maxUnavailable, specReplicas } from './deployment-util.js';

type ConditionStatus = DeploymentCondition['status'];

/**
 * SetDeploymentCondition: the same status and reason change nothing; the same status keeps
 * lastTransitionTime; the condition moves to the end. `keepTransition` is syncRolloutStatus's
 * rule for ReplicaSetUpdated (lastUpdateTime moves on, lastTransitionTime stays while True).
 */
function setCondition(status: DeploymentStatus, next: DeploymentCondition, keepTransition = false): void {
  const conditions = status.conditions ?? [];
  const current = conditions.find((c) => c.type === next.type);
  if (
    !keepTransition &&
    current !== undefined &&
    current.status === next.status &&
    current.reason === next.reason
  )
    return;
  if (current !== undefined && current.status === next.status)
    next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...conditions.filter((c) => c.type !== next.type), next];
}

const condition = (
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
  at: number,
): DeploymentCondition => ({
  type,
  status,
  lastUpdateTime: rfc3339(at),
  lastTransitionTime: rfc3339(at),
  reason,
  message,
});

const hasProgressDeadline = (d: Deployment): boolean => typeof d.spec.progressDeadlineSeconds === 'number';

/** Sets the Progressing condition (getNewReplicaSet's; `onlyIfMissing` for FoundNewReplicaSet). */
export function setProgressing(
  entry: DeploymentEntry,
  status: ConditionStatus,
  reason: string,
  message: string,
  at: number,
  onlyIfMissing = false,
): void {
  const d = entry.object;
  if (!hasProgressDeadline(d)) return;
  if (onlyIfMissing && d.status.conditions?.some((c) => c.type === 'Progressing')) return;
  setCondition(d.status, condition('Progressing', status, reason, message, at));
}

function timedOut(d: Deployment, at: number): boolean {
  const current = d.status.conditions?.find((c) => c.type === 'Progressing');
  if (current === undefined || current.reason === 'NewReplicaSetAvailable') return false;
  if (current.reason === 'ProgressDeadlineExceeded') return true;
  const from = parseTime(current.lastUpdateTime) ?? at;
  return from + Number(d.spec.progressDeadlineSeconds) * 1000 < at;
}

const stored = new WeakMap<DeploymentEntry, string>();

/** calculateStatus and syncRolloutStatus at `at`; stores the Deployment when it changed. */
export function syncDeploymentStatus(store: Store, entry: DeploymentEntry, at: number): void {
  const d = entry.object;
  const sets = entry.replicaSets.map((rs) => rs.object);
  const newRS = sets.find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
  const sum = (pick: (rs: (typeof sets)[number]) => number | undefined): number =>
    sets.reduce((total, rs) => total + (pick(rs) ?? 0), 0);
  const available = availableReplicas(sets);
  const counts = {
    replicas: sum((rs) => rs.status.replicas),
    updatedReplicas: newRS?.status.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(sets) - available),
  };
  const previous = d.status;
  const next: DeploymentStatus = { observedGeneration: d.metadata.generation ?? 1 };
  for (const [key, value] of Object.entries(counts)) if (value > 0) next[key as keyof typeof counts] = value;
  next.conditions = [...(previous.conditions ?? [])];
  const replicas = d.spec.replicas;
  setCondition(
    next,
    available >= replicas - maxUnavailable(d)
      ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', at)
      : condition(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
          at,
        ),
  );
  const name = newRS?.metadata.name ?? '';
  const current = previous.conditions?.find((c) => c.type === 'Progressing');
  const complete = counts.replicas === counts.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  if (hasProgressDeadline(d) && !complete) {
    const old = (s: DeploymentStatus): number => (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
    if (counts.updatedReplicas === replicas && counts.replicas === replicas && available === replicas) {
      setCondition(
        next,
        condition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${name}" has successfully progressed.`,
          at,
        ),
      );
    } else if (
      counts.updatedReplicas > (previous.updatedReplicas ?? 0) ||
      old(next) < old(previous) ||
      counts.readyReplicas > (previous.readyReplicas ?? 0) ||
      available > (previous.availableReplicas ?? 0)
    ) {
      setCondition(
        next,
        condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${name}" is progressing.`, at),
        true,
      );
    } else if (timedOut(d, at)) {
      setCondition(
        next,
        condition(
          'Progressing',
          'False',
          'ProgressDeadlineExceeded',
          `ReplicaSet "${name}" has timed out progressing.`,
          at,
        ),
      );
    }
  }
  d.status = next;
  const text = JSON.stringify([next, d.metadata.annotations]);
  if (stored.get(entry) === text) return;
  stored.set(entry, text);
  store.changeDeployment(entry);
}
