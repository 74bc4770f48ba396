/**
 * The Deployment controller (kubernetes pkg/controller/deployment/deployment_controller.go
 * syncDeployment, sync.go getNewReplicaSet / getAllReplicaSetsAndSyncRevision / cleanupDeployment
 * / scaleReplicaSet, rolling.go, recreate.go): finds the ReplicaSet whose template equals the
 * Deployment's (EqualIgnoreHash; a rollback reuses an old one and gives it the next revision) or
 * creates it as `<name>-<pod-template-hash>`, then either scales proportionally (a scaling event)
 * or takes one rollout step (rolling.ts), and drops old empty sets beyond revisionHistoryLimit.
 * The status is deployment-status.ts.
 */
import { randomUUID } from 'node:crypto';
import { podTemplateHash, rfc3339, type Deployment } from '../apis/objects.js';
import type { ReplicaSet } from '../apis/workloads.js';
import type { DeploymentEntry, ReplicaSetEntry, Store } from '../storage/store.js';
import {
  equalIgnoreHash,
  isRollingUpdate,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  revisionAnnotation,
  revisionOf,
  setReplicasAnnotations,
} from './deployment-util.js';
import { setProgressing } from './deployment-status.js';
import type { RemovalCause } from './replicaset.js';
import { isScalingEvent, rollRecreate, rollRolling, scaleProportionally, type Scaler } from './rolling.js';

/** SetNewReplicaSetAnnotations's revision rule and the Deployment's revision annotation. */
function setRevision(entry: DeploymentEntry, rs: ReplicaSet, revision: number): boolean {
  let changed = false;
  if (revisionOf(rs) < revision) {
    rs.metadata.annotations = { ...(rs.metadata.annotations ?? {}), [revisionAnnotation]: String(revision) };
    changed = true;
  }
  const d = entry.object;
  const current = rs.metadata.annotations?.[revisionAnnotation] ?? String(revision);
  if (d.metadata.annotations?.[revisionAnnotation] !== current) {
    d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [revisionAnnotation]: current };
  }
  return changed;
}

/** The ReplicaSet the Deployment controller creates for the current template. */
function newReplicaSetObject(d: Deployment, hash: string, at: number): ReplicaSet {
  const template = structuredClone(d.spec.template);
  const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
  template.metadata = { ...(template.metadata ?? {}), labels };
  return {
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace ?? 'default',
      uid: randomUUID(),
      resourceVersion: '0',
      generation: 1,
      creationTimestamp: rfc3339(at),
      labels,
      annotations: {},
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: d.metadata.name,
          uid: d.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas: 0,
      ...(d.spec.minReadySeconds === undefined ? {} : { minReadySeconds: d.spec.minReadySeconds }),
      selector: {
        ...d.spec.selector,
        matchLabels: { ...(d.spec.selector.matchLabels ?? {}), 'pod-template-hash': hash },
      },
      template,
    },
    status: { replicas: 0, observedGeneration: 0 },
  };
}

export class DeploymentController {
  constructor(private readonly store: Store) {}

  /**
   * One pass of syncDeployment on the sizes of the Deployment's sets: whether it changed one (the
   * controller then runs again at once, as a real one would on the ReplicaSet's update), and
   * whether it was a scaling event or a rollout step.
   */
  step(entry: DeploymentEntry, at: number): { changed: boolean; cause: RemovalCause } {
    const d = entry.object;
    const changed = new Set<ReplicaSetEntry>();
    const byObject = new Map(entry.replicaSets.map((rs) => [rs.object, rs]));
    const scale: Scaler = (rs, replicas, always = false) => {
      const sized = rs.spec.replicas !== replicas;
      if (!sized && !always) return false;
      const annotated = setReplicasAnnotations(rs, d.spec.replicas, d.spec.replicas + maxSurge(d));
      if (sized) {
        rs.spec.replicas = replicas;
        rs.metadata.generation = (rs.metadata.generation ?? 1) + 1;
      }
      const found = byObject.get(rs);
      if (found !== undefined && (sized || annotated)) changed.add(found);
      return sized;
    };
    const existing = entry.replicaSets.find((rs) =>
      equalIgnoreHash(rs.object.spec.template, d.spec.template),
    );
    const old = entry.replicaSets.filter((rs) => rs !== existing).map((rs) => rs.object);
    const all = entry.replicaSets.map((rs) => rs.object);
    let sized: boolean;
    const scaling = isScalingEvent(d, all);
    if (scaling) {
      scaleProportionally(existing?.object, old, d, scale);
      sized = changed.size > 0;
    } else {
      const newRS = this.newReplicaSet(entry, existing, old, at);
      if (newRS !== existing) byObject.set(newRS.object, newRS);
      sized = isRollingUpdate(d)
        ? rollRolling(newRS.object, old, d, scale)
        : rollRecreate(newRS.object, old, d, this.oldPodsRunning(entry, newRS), scale);
      if (!sized) this.cleanup(entry, newRS);
    }
    for (const rs of changed) this.store.changeReplicaSet(rs);
    return { changed: sized, cause: scaling ? 'scale' : 'rollout' };
  }

  /** getNewReplicaSet: the set of the current template, made or brought to the next revision. */
  private newReplicaSet(
    entry: DeploymentEntry,
    existing: ReplicaSetEntry | undefined,
    old: readonly ReplicaSet[],
    at: number,
  ): ReplicaSetEntry {
    const d = entry.object;
    const revision = maxRevision(old) + 1;
    if (existing !== undefined) {
      const rs = existing.object;
      let changed = setRevision(entry, rs, revision);
      if ((rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0)) {
        rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        changed = true;
      }
      if (changed) this.store.changeReplicaSet(existing);
      setProgressing(
        entry,
        'True',
        'FoundNewReplicaSet',
        `Found new replica set "${rs.metadata.name}"`,
        at,
        true,
      );
      return existing;
    }
    const hash = podTemplateHash(d.spec.template);
    const rs = newReplicaSetObject(d, hash, at);
    setRevision(entry, rs, revision);
    setReplicasAnnotations(rs, d.spec.replicas, d.spec.replicas + maxSurge(d));
    rs.spec.replicas = isRollingUpdate(d)
      ? newRSNewReplicas(d, [...old, rs], rs)
      : old.some((o) => o.spec.replicas > 0)
        ? 0
        : d.spec.replicas;
    const created = this.store.addReplicaSet(entry, rs, hash);
    setProgressing(
      entry,
      'True',
      'NewReplicaSetCreated',
      `Created new replica set "${rs.metadata.name}"`,
      at,
    );
    return created;
  }

  /** recreate.go oldPodsRunning: any pod of an old set not yet gone (terminating ones count). */
  private oldPodsRunning(entry: DeploymentEntry, newRS: ReplicaSetEntry): boolean {
    return entry.replicaSets.some(
      (rs) =>
        rs !== newRS &&
        [...rs.pods].some((p) => p.object.status.phase !== 'Succeeded' && p.object.status.phase !== 'Failed'),
    );
  }

  /** cleanupDeployment: old sets with no replicas beyond revisionHistoryLimit go, oldest revision first. */
  private cleanup(entry: DeploymentEntry, newRS: ReplicaSetEntry): void {
    const limit = entry.object.spec.revisionHistoryLimit;
    if (typeof limit !== 'number') return;
    const cleanable = entry.replicaSets
      .filter((rs) => rs !== newRS && rs.object.spec.replicas === 0 && rs.object.status.replicas === 0)
      .sort((a, b) => revisionOf(a.object) - revisionOf(b.object));
    for (const rs of cleanable.slice(0, Math.max(0, cleanable.length - limit)))
      this.store.removeReplicaSet(rs);
  }
}
