/**
 * Deployments (pkg/registry/apps/deployment/strategy.go, storage/storage.go): get, list, create,
 * update (PUT), patch and delete, with defaulting, validation (422 Invalid), an immutable
 * selector, the no-op rule (a write that changes nothing keeps the resourceVersion) and the
 * generation rule (a spec change bumps `metadata.generation`). Deleting a Deployment deletes its
 * pods (the garbage collector's foreground work, done at once).
 */
import { randomUUID } from 'node:crypto';
import { defaultDeployment, dropEmptyMaps, rfc3339, type Deployment } from '../apis/objects.js';
import { alreadyExists, fieldInvalid, invalid, methodNotAllowed, notFound } from '../apiserver/errors.js';
import type { DeploymentEntry } from '../storage/store.js';
import { got, list, scope } from './list.js';
import { isObject, type Json, type JsonObject } from './patch.js';
import {
  admit,
  checkNames,
  checkPrecondition,
  decodeBody,
  deploymentsResource,
  patchOf,
  sameJson,
  type Call,
  type RegistryDeps,
  type Reply,
} from './request.js';
import { decodeDeployment, validateDeployment } from './validation.js';

const deploymentKind = { group: 'apps', kind: 'Deployment' };

export function deploymentEntry(deps: RegistryDeps, namespace: string, name: string): DeploymentEntry {
  const entry = deps.store.deployment(namespace, name);
  if (entry === undefined) throw notFound(deploymentsResource, name);
  return entry;
}

export function deployments(deps: RegistryDeps, call: Call): Reply {
  const { verb, namespace, name } = call.info;
  switch (verb) {
    case 'get':
      return got('deployments', deploymentEntry(deps, namespace, name).object);
    case 'list':
      return list(
        deps.store,
        'deployments',
        deps.store.deployments(scope(namespace)).map((e) => e.object),
        call.query,
      );
    case 'create':
      return { status: 201, body: createDeployment(deps, namespace, decodeBody(call.body), false, call) };
    case 'update': {
      const entry = deploymentEntry(deps, namespace, name);
      return { status: 200, body: updateDeployment(deps, entry, decodeBody(call.body), call) };
    }
    case 'patch': {
      const entry = deploymentEntry(deps, namespace, name);
      const patched = patchOf(entry.object as unknown as JsonObject, call);
      return { status: 200, body: updateDeployment(deps, entry, patched, call) };
    }
    case 'delete':
      return deleteDeployment(deps, deploymentEntry(deps, namespace, name), call);
    default:
      throw methodNotAllowed();
  }
}

function deleteDeployment(deps: RegistryDeps, entry: DeploymentEntry, call: Call): Reply {
  const d = entry.object;
  admit(deps, call, 'DELETE', d.metadata.name, undefined, d);
  deps.store.removeDeployment(entry);
  for (const pod of entry.pods) deps.controllers.deletePod(pod, undefined);
  return {
    status: 200,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: d.metadata.name, group: 'apps', kind: 'deployments', uid: d.metadata.uid },
    },
  };
}

/**
 * Adds a Deployment from a manifest or a POST; `replace` updates an existing one instead. `call`
 * is the request that asked for it (undefined from code).
 */
export function createDeployment(
  deps: RegistryDeps,
  namespace: string,
  raw: Json,
  replace = false,
  call?: Call,
): Deployment {
  const decoded = decodeDeployment(raw);
  if (isObject(raw)) checkNames(raw, namespace, decoded.metadata.name || '');
  decoded.metadata.namespace = namespace;
  const existing = deps.store.deployment(namespace, decoded.metadata.name);
  if (existing !== undefined) {
    if (!replace) throw alreadyExists(deploymentsResource, decoded.metadata.name);
    // Like `kubectl apply`, re-applying keeps what the controllers added (the revision annotation).
    const controllerAnnotations = Object.entries(existing.object.metadata.annotations ?? {}).filter(([key]) =>
      key.startsWith('deployment.kubernetes.io/'),
    );
    const annotations = {
      ...Object.fromEntries(controllerAnnotations),
      ...(decoded.metadata.annotations ?? {}),
    };
    const metadata: JsonObject = { ...(decoded.metadata as unknown as JsonObject), annotations };
    delete metadata.resourceVersion;
    return updateDeployment(deps, existing, { ...(raw as JsonObject), metadata }, call);
  }
  const errors = validateDeployment(decoded);
  if (errors.length > 0) throw invalid(deploymentKind, decoded.metadata.name, errors);
  const meta = decoded.metadata;
  const metadata = {
    name: meta.name,
    namespace,
    uid: randomUUID(),
    resourceVersion: '0',
    generation: 1,
    creationTimestamp: rfc3339(deps.clock.now()),
    ...(meta.labels === undefined ? {} : { labels: meta.labels }),
    ...(meta.annotations === undefined ? {} : { annotations: meta.annotations }),
  };
  const d = defaultDeployment({ ...decoded, metadata, status: {} });
  admit(deps, call, 'CREATE', meta.name, d, undefined);
  deps.controllers.markDirty(deps.store.addDeployment(d));
  return d;
}

/** PUT or the result of a PATCH on a Deployment. */
function updateDeployment(
  deps: RegistryDeps,
  entry: DeploymentEntry,
  raw: Json,
  call: Call | undefined,
): Deployment {
  const current = entry.object;
  const name = current.metadata.name;
  const namespace = current.metadata.namespace ?? 'default';
  if (isObject(raw)) checkNames(raw, namespace, name);
  const decoded = decodeDeployment(raw);
  checkPrecondition(
    decoded.metadata.resourceVersion,
    current.metadata.resourceVersion,
    deploymentsResource,
    name,
  );
  const next = defaultDeployment({
    ...decoded,
    metadata: dropEmptyMaps({
      ...decoded.metadata,
      name,
      namespace,
      uid: current.metadata.uid,
      resourceVersion: current.metadata.resourceVersion,
      generation: current.metadata.generation ?? 1,
      creationTimestamp: current.metadata.creationTimestamp,
    }),
    status: current.status,
  });
  const errors = validateDeployment(next);
  if (!sameJson(next.spec.selector, current.spec.selector)) {
    errors.push(fieldInvalid('spec.selector', next.spec.selector, 'field is immutable'));
  }
  if (errors.length > 0) throw invalid(deploymentKind, name, errors);
  const specChanged = !sameJson(next.spec, current.spec);
  if (!specChanged && sameJson(next.metadata, current.metadata)) return current;
  if (specChanged) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
  admit(deps, call, 'UPDATE', name, next, current);
  deps.store.changeDeployment(entry, next);
  deps.controllers.markDirty(entry);
  return next;
}
