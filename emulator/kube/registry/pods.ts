/**
 * Pods (pkg/registry/core/pod/strategy.go, storage/storage.go): get, list, update (PUT), patch
 * and delete. Only metadata may change through an update (the spec is immutable but for a few
 * fields, the status is the kubelet's); a delete takes `gracePeriodSeconds` and `preconditions`
 * and starts graceful deletion (controllers/kubelet.ts).
 */
import { dropEmptyMaps, type Pod } from '../apis/objects.js';
import {
  badRequest,
  conflict,
  fieldForbidden,
  invalid,
  methodNotAllowed,
  notFound,
} from '../apiserver/errors.js';
import type { PodEntry } from '../storage/store.js';
import { got, indexed, list, scope } from './list.js';
import { decodeJson, isObject, type Json, type JsonObject } from './patch.js';
import {
  admit,
  checkNames,
  checkPrecondition,
  decodeBody,
  patchOf,
  podsResource,
  sameJson,
  type Call,
  type RegistryDeps,
  type Reply,
} from './request.js';
import { decodeMeta, validateMeta } from './validation.js';

const podKind = { group: '', kind: 'Pod' };

function podEntry(deps: RegistryDeps, namespace: string, name: string): PodEntry {
  const entry = deps.store.pod(namespace, name);
  if (entry === undefined) throw notFound(podsResource, name);
  return entry;
}

export function pods(deps: RegistryDeps, call: Call): Reply {
  const { verb, namespace, name } = call.info;
  switch (verb) {
    case 'get':
      return got('pods', podEntry(deps, namespace, name).object);
    case 'list':
      return list(
        deps.store,
        'pods',
        indexed(deps.store, 'pods', scope(namespace), () =>
          deps.store.pods(scope(namespace)).map((e) => e.object),
        ),
        call.query,
      );
    case 'update': {
      const entry = podEntry(deps, namespace, name);
      return { status: 200, body: updatePod(deps, entry, decodeBody(call.body), call) };
    }
    case 'patch': {
      const entry = podEntry(deps, namespace, name);
      const patched = patchOf(entry.object as unknown as JsonObject, call);
      return { status: 200, body: updatePod(deps, entry, patched, call) };
    }
    case 'delete':
      return { status: 200, body: deletePod(deps, podEntry(deps, namespace, name), call) };
    default:
      throw methodNotAllowed();
  }
}

function deletePod(deps: RegistryDeps, entry: PodEntry, call: Call): Pod {
  const name = entry.object.metadata.name;
  const grace = deleteGrace(call);
  const options = call.body.trim() === '' ? {} : decodeJson(call.body, 'error decoding DeleteOptions');
  const pre = isObject(options) && isObject(options.preconditions) ? options.preconditions : {};
  checkPrecondition(pre.resourceVersion, entry.object.metadata.resourceVersion, podsResource, name);
  if (pre.uid !== undefined && pre.uid !== null && pre.uid !== entry.object.metadata.uid) {
    throw conflict(podsResource, name);
  }
  admit(deps, call, 'DELETE', name, undefined, entry.object);
  deps.controllers.deletePod(entry, grace);
  return entry.object;
}

function deleteGrace(call: Call): number | undefined {
  let value: unknown = call.query.get('gracePeriodSeconds') ?? undefined;
  if (value === undefined && call.body.trim() !== '') {
    const options = decodeJson(call.body, 'error decoding DeleteOptions');
    if (isObject(options)) value = options.gracePeriodSeconds ?? undefined;
  }
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw badRequest(`gracePeriodSeconds: invalid value ${JSON.stringify(value)}`);
  return Math.max(0, n);
}

const specUpdateMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * The new spec when it differs from the current one in container images alone, else undefined
 * (ValidatePodUpdate in pkg/apis/core/validation/validation.go: the new images are copied into the
 * old spec, which must then equal the new one).
 */
function mungedSpec(current: Pod['spec'], next: Json): Pod['spec'] | undefined {
  if (!isObject(next)) return undefined;
  const munged = structuredClone(current) as unknown as JsonObject;
  for (const list of ['containers', 'initContainers'] as const) {
    const olds = munged[list];
    const news = next[list];
    if (!Array.isArray(olds) || !Array.isArray(news) || olds.length !== news.length) continue;
    olds.forEach((old, i) => {
      const image = news[i];
      if (isObject(old) && isObject(image) && typeof image.image === 'string') old.image = image.image;
    });
  }
  return sameJson(munged, next) ? (next as unknown as Pod['spec']) : undefined;
}

/** PUT or the result of a PATCH on a Pod: metadata and container images may change; status is the kubelet's. */
function updatePod(deps: RegistryDeps, entry: PodEntry, raw: Json, call: Call): Pod {
  const current = entry.object;
  const name = current.metadata.name;
  const namespace = current.metadata.namespace ?? 'default';
  if (!isObject(raw)) throw badRequest('Pod in version "v1" cannot be handled as a Pod');
  checkNames(raw, namespace, name);
  decodeMeta('Pod', 'v1', raw.metadata);
  const meta = (isObject(raw.metadata) ? raw.metadata : {}) as unknown as Pod['metadata'];
  checkPrecondition(meta.resourceVersion, current.metadata.resourceVersion, podsResource, name);
  const metadata: Pod['metadata'] = {
    ...meta,
    name,
    namespace,
    uid: current.metadata.uid,
    resourceVersion: current.metadata.resourceVersion,
    creationTimestamp: current.metadata.creationTimestamp,
  };
  for (const key of [
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generateName',
    'ownerReferences',
  ] as const) {
    if (current.metadata[key] === undefined) delete metadata[key];
    else metadata[key] = current.metadata[key] as never;
  }
  dropEmptyMaps(metadata);
  const errors = validateMeta(metadata, true);
  const spec = raw.spec === undefined ? current.spec : mungedSpec(current.spec, raw.spec);
  if (spec === undefined) errors.push(fieldForbidden('spec', specUpdateMessage));
  if (errors.length > 0 || spec === undefined) throw invalid(podKind, name, errors);
  if (sameJson(metadata, current.metadata) && sameJson(spec, current.spec)) return current;
  const next: Pod = { ...current, metadata, spec };
  admit(deps, call, 'UPDATE', name, next, current);
  deps.store.changePod(entry, next);
  deps.controllers.podChanged(entry);
  return next;
}
