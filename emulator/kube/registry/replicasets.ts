/**
 * ReplicaSets (pkg/registry/apps/replicaset), read-only: get and list. Each Deployment's
 * ReplicaSets are views of what the emulator keeps for it: the current one (named
 * `<deployment>-<pod-template-hash>`, of the Deployment's size), and any earlier one that still
 * owns pods (after a template change). They carry what the Deployment controller writes: the
 * controller ownerReference, the pod-template-hash label and selector term, and the revision,
 * desired-replicas and max-replicas annotations (pkg/controller/deployment/util
 * SetNewReplicaSetAnnotations, SetReplicasAnnotations).
 */
import type { Pod } from '../apis/objects.js';
import { isPodActive, isPodReady } from '../apis/pods.js';
import type { ReplicaSet } from '../apis/workloads.js';
import { methodNotAllowed, notFound } from '../apiserver/errors.js';
import type { DeploymentEntry, Store } from '../storage/store.js';
import { got, list, scope } from './list.js';
import type { Call, RegistryDeps, Reply } from './request.js';

const replicaSetsResource = { group: 'apps', resource: 'replicasets' };

/** `MaxSurge` of a RollingUpdate Deployment for `replicas` (percent rounded up), else 0. */
function maxSurge(entry: DeploymentEntry): number {
  const strategy = entry.object.spec.strategy as
    { type?: string; rollingUpdate?: { maxSurge?: number | string } } | undefined;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return 0;
  const value = strategy?.rollingUpdate?.maxSurge ?? '25%';
  if (typeof value === 'number') return value;
  return Math.ceil((Number(value.replace(/%$/, '')) * entry.object.spec.replicas) / 100);
}

function view(
  entry: DeploymentEntry,
  name: string,
  uid: string,
  hash: string,
  pods: Pod[],
  current: boolean,
): ReplicaSet {
  const d = entry.object;
  const active = pods.filter(isPodActive);
  const ready = active.filter(isPodReady).length;
  const replicas = current
    ? Math.max(0, d.spec.replicas - (entry.pods.size > 0 ? countOthers(entry, uid) : 0))
    : active.length;
  const template =
    pods[0]?.metadata.labels !== undefined && !current
      ? { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels: pods[0].metadata.labels } }
      : d.spec.template;
  const labels = { ...(d.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash };
  return {
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: {
      name,
      namespace: d.metadata.namespace ?? 'default',
      uid,
      resourceVersion: d.metadata.resourceVersion,
      generation: 1,
      creationTimestamp: d.metadata.creationTimestamp,
      labels,
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas),
        'deployment.kubernetes.io/max-replicas': String(d.spec.replicas + maxSurge(entry)),
        'deployment.kubernetes.io/revision':
          d.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '1',
      },
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
      replicas,
      ...(d.spec.minReadySeconds === undefined ? {} : { minReadySeconds: d.spec.minReadySeconds }),
      selector: {
        ...d.spec.selector,
        matchLabels: { ...(d.spec.selector.matchLabels ?? {}), 'pod-template-hash': hash },
      },
      template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
    },
    status: {
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: 1,
    },
  };
}

/** Active pods of the Deployment owned by a ReplicaSet other than `uid`. */
function countOthers(entry: DeploymentEntry, uid: string): number {
  let n = 0;
  for (const { object } of entry.pods) {
    if (isPodActive(object) && object.metadata.ownerReferences?.[0]?.uid !== uid) n++;
  }
  return n;
}

/** The ReplicaSets of one Deployment: the current one first, then older ones with pods. */
export function replicaSetsOf(entry: DeploymentEntry): ReplicaSet[] {
  const byOwner = new Map<string, { name: string; hash: string; pods: Pod[] }>();
  byOwner.set(entry.replicaSetUid, { name: entry.replicaSetName, hash: entry.templateHash, pods: [] });
  for (const { object } of entry.pods) {
    const owner = object.metadata.ownerReferences?.[0];
    if (owner === undefined) continue;
    let set = byOwner.get(owner.uid);
    if (set === undefined) {
      set = { name: owner.name, hash: object.metadata.labels?.['pod-template-hash'] ?? '', pods: [] };
      byOwner.set(owner.uid, set);
    }
    set.pods.push(object);
  }
  return [...byOwner].map(([uid, set]) =>
    view(entry, set.name, uid, set.hash, set.pods, uid === entry.replicaSetUid),
  );
}

function allReplicaSets(store: Store, namespace: string | undefined): ReplicaSet[] {
  return store.deployments(namespace).flatMap(replicaSetsOf);
}

export function replicaSets(deps: RegistryDeps, call: Call): Reply {
  const { verb, namespace, name } = call.info;
  switch (verb) {
    case 'get': {
      const found = allReplicaSets(deps.store, namespace).find((rs) => rs.metadata.name === name);
      if (found === undefined) throw notFound(replicaSetsResource, name);
      return got('replicasets', found);
    }
    case 'list':
      return list(deps.store, 'replicasets', allReplicaSets(deps.store, scope(namespace)), call.query);
    default:
      throw methodNotAllowed();
  }
}
