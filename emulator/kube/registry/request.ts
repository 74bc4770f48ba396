/**
 * What every resource of the registry shares: the call it is given and the reply it returns, the
 * dependencies it writes through, and the server's generic rules (staging/src/k8s.io/apiserver/
 * pkg/registry/generic/registry/store.go and endpoints/handlers): a PUT body is JSON, a PATCH is
 * applied to the current object (server-side apply needs a field manager), a non-empty stale
 * resourceVersion is a 409 Conflict, the name and namespace in a body must match the URL, and
 * every write passes admission before it is stored.
 */
import type { Clock } from '../../../shared/clock.js';
import type { KubeObject } from '../apis/objects.js';
import type { Admission, AdmissionOperation } from '../apiserver/admission.js';
import { badRequest, conflict, fieldRequired, invalid, type GroupResource } from '../apiserver/errors.js';
import type { ResourceRequest } from '../apiserver/request-info.js';
import type { TableResource } from '../apiserver/tables.js';
import type { ControllerManager } from '../controllers/manager.js';
import type { Store } from '../storage/store.js';
import { applyPatch, isObject, patchTypeOf, type Json, type JsonObject } from './patch.js';

export interface Call {
  readonly info: ResourceRequest;
  /** The authenticated user making the request. */
  readonly user: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  /** The objects behind a get or list, for a Table or metadata-only rendering. */
  readonly view?: { readonly resource: TableResource; readonly objects: readonly KubeObject[] };
}

export interface RegistryDeps {
  readonly store: Store;
  readonly controllers: ControllerManager;
  readonly clock: Clock;
  readonly admission: Admission;
}

export const deploymentsResource: GroupResource = { group: 'apps', resource: 'deployments' };
export const podsResource: GroupResource = { group: '', resource: 'pods' };
export const namespacesResource: GroupResource = { group: '', resource: 'namespaces' };

/** JSON with object keys sorted, so that key order does not make two values differ. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** The body of a PUT: JSON, decoded with the server's wording on failure. */
export function decodeBody(body: string): Json {
  if (body.trim() === '') throw badRequest('the body of the request was empty');
  try {
    return JSON.parse(body) as Json;
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

/**
 * The object a PATCH call makes of `current`. Server-side apply (approximated as a merge) needs a
 * field manager, as on the real server.
 */
export function patchOf(current: JsonObject, call: Call): JsonObject {
  const type = patchTypeOf(call.contentType);
  if (type === 'application/apply-patch+yaml' && !call.query.get('fieldManager')) {
    throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
      fieldRequired('fieldManager', 'is required for apply patch'),
    ]);
  }
  return applyPatch(current, type, call.body);
}

/** A resourceVersion precondition: a non-empty value that is not the current one is a conflict. */
export function checkPrecondition(given: unknown, current: string, gr: GroupResource, name: string): void {
  if (given === undefined || given === null || given === '') return;
  if (given !== current) throw conflict(gr, name);
}

export function checkNames(object: JsonObject, namespace: string, name: string): void {
  const meta = isObject(object.metadata) ? object.metadata : {};
  if (meta.name !== undefined && meta.name !== '' && meta.name !== name) {
    const given = typeof meta.name === 'string' ? meta.name : JSON.stringify(meta.name);
    throw badRequest(`the name of the object (${given}) does not match the name on the URL (${name})`);
  }
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

/**
 * Runs admission on a write made by a request (`call`); writes made from code pass. `object` is
 * what would be stored, `oldObject` what is stored now.
 */
export function admit(
  deps: RegistryDeps,
  call: Call | undefined,
  operation: AdmissionOperation,
  name: string,
  object: unknown,
  oldObject: unknown,
): void {
  if (call === undefined) return;
  const { info } = call;
  deps.admission.validate({
    operation,
    user: call.user,
    group: info.group,
    version: info.version,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name,
    object,
    oldObject,
  });
}
