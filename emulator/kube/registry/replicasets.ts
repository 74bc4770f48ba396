/**
 * ReplicaSets (pkg/registry/apps/replicaset), read-only: get, list and watch of the ReplicaSets
 * the Deployment controller made (controllers/deployment.ts), with its ownerReference, the
 * pod-template-hash label and selector term, and the revision, desired-replicas and max-replicas
 * annotations; their status is the ReplicaSet controller's (controllers/replicaset.ts).
 */
import type { ReplicaSet } from '../apis/workloads.js';
import { methodNotAllowed, notFound } from '../apiserver/errors.js';
import { got, indexed, list, scope } from './list.js';
import type { Call, RegistryDeps, Reply } from './request.js';

const replicaSetsResource = { group: 'apps', resource: 'replicasets' };

function allReplicaSets(deps: RegistryDeps, namespace: string | undefined): ReplicaSet[] {
  return deps.store.replicaSets(namespace).map((rs) => rs.object);
}

export function replicaSets(deps: RegistryDeps, call: Call): Reply {
  const { verb, namespace, name } = call.info;
  switch (verb) {
    case 'get': {
      const found = allReplicaSets(deps, namespace).find((rs) => rs.metadata.name === name);
      if (found === undefined) throw notFound(replicaSetsResource, name);
      return got('replicasets', found);
    }
    case 'list':
      return list(
        deps.store,
        'replicasets',
        indexed(deps.store, 'replicasets', scope(namespace), () => allReplicaSets(deps, scope(namespace))),
        call.query,
      );
    default:
      throw methodNotAllowed();
  }
}
