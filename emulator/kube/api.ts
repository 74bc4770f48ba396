/**
 * The resource semantics of the API: what get, list, create, update (PUT), patch and delete do to
 * Namespaces, Deployments, the Deployment scale subresource and Pods, with the server's
 * preconditions (a stale resourceVersion is a 409 Conflict, an empty one is unconditional), its
 * validation (422 Invalid), its no-op rule (a write that changes nothing keeps the
 * resourceVersion) and its generation rule (a spec change bumps `metadata.generation`). Lists take
 * `labelSelector`, `fieldSelector`, `limit` and `continue`. Rendering (JSON, Table) and HTTP live
 * in server.ts; the controllers that react to changes live in simulation.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import {
  defaultDeployment,
  dropEmptyMaps,
  rfc3339,
  scaleOf,
  type Deployment,
  type KubeObject,
  type Pod,
} from './objects.js';
import { applyPatch, decodeJson, isObject, patchTypeOf, type Json, type JsonObject } from './patch.js';
import type { ResourceRequest } from './routes.js';
import { parseSelector, SelectorParseError, type Selector } from './selector.js';
import type { Simulation } from './simulation.js';
import {
  alreadyExists,
  badRequest,
  type ApiError,
  conflict,
  fieldForbidden,
  fieldInvalid,
  fieldRequired,
  invalid,
  methodNotAllowed,
  notFound,
  pathNotFound,
  type GroupResource,
} from './status.js';
import type { DeploymentEntry, PodEntry, Store } from './store.js';
import type { TableResource } from './tables.js';
import {
  decodeDeployment,
  decodeError,
  decodeMeta,
  isInt32,
  validateDeployment,
  validateMeta,
} from './validation.js';

export interface Call {
  readonly info: ResourceRequest;
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

export const deploymentsResource: GroupResource = { group: 'apps', resource: 'deployments' };
export const podsResource: GroupResource = { group: '', resource: 'pods' };
export const namespacesResource: GroupResource = { group: '', resource: 'namespaces' };

const deploymentKind = { group: 'apps', kind: 'Deployment' };
const podKind = { group: '', kind: 'Pod' };
const scaleKind = { group: 'autoscaling', kind: 'Scale' };

/** `(key, object)` pairs ordered the way etcd returns them: by namespace, then name. */
export function byKey<T extends KubeObject>(objects: T[]): T[] {
  const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return objects.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** The JSON of a list: items without their kind and apiVersion, as the server writes them. */
function listBody(
  kind: string,
  apiVersion: string,
  resourceVersion: string,
  items: readonly KubeObject[],
  next: { continue: string; remaining: number } | undefined,
): unknown {
  const metadata: Record<string, unknown> = { resourceVersion };
  if (next !== undefined) {
    metadata.continue = next.continue;
    metadata.remainingItemCount = next.remaining;
  }
  return { kind, apiVersion, metadata, items: items.map(({ kind: _k, apiVersion: _v, ...rest }) => rest) };
}

type FieldRequirement = { readonly field: string; readonly equal: boolean; readonly value: string };

function parseFieldSelector(text: string, known: readonly string[]): FieldRequirement[] {
  if (text.trim() === '') return [];
  return text.split(',').map((term) => {
    const match = /^\s*([^!=\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term);
    if (match === null) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field = '', op, value = ''] = match;
    if (!known.includes(field)) {
      throw badRequest(
        `"${field}" is not a known field selector: only ${known.map((k) => `"${k}"`).join(', ')}`,
      );
    }
    return { field, equal: op !== '!=', value };
  });
}

function fieldValue(object: KubeObject, field: string): string {
  switch (field) {
    case 'metadata.name':
      return object.metadata.name;
    case 'metadata.namespace':
      return object.metadata.namespace ?? '';
    case 'spec.nodeName':
      return object.kind === 'Pod' ? (object.spec.nodeName ?? '') : '';
    case 'status.phase':
      return object.kind === 'Pod' ? object.status.phase : '';
    default:
      return '';
  }
}

const metaFields = ['metadata.name', 'metadata.namespace'];

const listKinds: Readonly<
  Record<
    TableResource,
    { readonly kind: string; readonly apiVersion: string; readonly fields: readonly string[] }
  >
> = {
  pods: { kind: 'PodList', apiVersion: 'v1', fields: [...metaFields, 'spec.nodeName', 'status.phase'] },
  deployments: { kind: 'DeploymentList', apiVersion: 'apps/v1', fields: metaFields },
  namespaces: { kind: 'NamespaceList', apiVersion: 'v1', fields: metaFields },
};

interface ListOptions {
  readonly labels: Selector | undefined;
  readonly fields: FieldRequirement[];
  readonly limit: number;
  readonly after: string | undefined;
}

function listOptions(query: URLSearchParams, known: readonly string[]): ListOptions {
  let labels: Selector | undefined;
  const labelText = query.get('labelSelector') ?? '';
  if (labelText.trim() !== '') {
    try {
      labels = parseSelector(labelText);
    } catch (error) {
      if (error instanceof SelectorParseError) throw badRequest(error.message);
      throw error;
    }
  }
  const limitText = query.get('limit');
  const limit = limitText === null || limitText === '' ? 0 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0)
    throw badRequest(`limit: Invalid value: ${limitText}: must be >= 0`);
  let after: string | undefined;
  const token = query.get('continue');
  if (token) {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { start?: unknown };
      if (typeof decoded.start !== 'string') throw new Error('no start');
      after = decoded.start;
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data at input byte 0');
    }
  }
  return { labels, fields: parseFieldSelector(query.get('fieldSelector') ?? '', known), limit, after };
}

function select<T extends KubeObject>(
  objects: T[],
  options: ListOptions,
  resourceVersion: string,
): { items: T[]; next: { continue: string; remaining: number } | undefined } {
  const matching = objects.filter(
    (o) =>
      (options.labels === undefined || options.labels.matches(o.metadata.labels)) &&
      options.fields.every((f) => (fieldValue(o, f.field) === f.value) === f.equal),
  );
  let sorted = byKey(matching);
  if (options.after !== undefined) {
    const after = options.after;
    sorted = sorted.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > after);
  }
  if (options.limit === 0 || sorted.length <= options.limit) return { items: sorted, next: undefined };
  const items = sorted.slice(0, options.limit);
  const last = items[items.length - 1] as T;
  const start = `${last.metadata.namespace ?? ''}/${last.metadata.name}`;
  const token = Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(resourceVersion), start }),
  ).toString('base64');
  return { items, next: { continue: token, remaining: sorted.length - items.length } };
}

/** JSON with object keys sorted, so that key order does not make two values differ. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** The body of a PUT: JSON, decoded with the server's wording on failure. */
function decodeBody(body: string): Json {
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
function patchOf(current: JsonObject, call: Call): JsonObject {
  const type = patchTypeOf(call.contentType);
  if (type === 'application/apply-patch+yaml' && !call.query.get('fieldManager')) {
    throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
      fieldRequired('fieldManager', 'is required for apply patch'),
    ]);
  }
  return applyPatch(current, type, call.body);
}

/** A resourceVersion precondition: a non-empty value that is not the current one is a conflict. */
function checkPrecondition(given: unknown, current: string, gr: GroupResource, name: string): void {
  if (given === undefined || given === null || given === '') return;
  if (given !== current) throw conflict(gr, name);
}

function checkNames(object: JsonObject, namespace: string, name: string): void {
  const meta = isObject(object.metadata) ? object.metadata : {};
  if (meta.name !== undefined && meta.name !== '' && meta.name !== name) {
    const given = typeof meta.name === 'string' ? meta.name : JSON.stringify(meta.name);
    throw badRequest(`the name of the object (${given}) does not match the name on the URL (${name})`);
  }
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

export class Api {
  constructor(
    private readonly store: Store,
    private readonly simulation: Simulation,
    private readonly clock: Clock,
  ) {}

  handle(call: Call): Reply {
    const { info } = call;
    if (info.version !== 'v1' || info.extra > 0) throw pathNotFound();
    if (info.group === '' && info.resource === 'namespaces' && info.subresource === '')
      return this.namespaces(call);
    if (info.group === '' && info.resource === 'pods' && info.subresource === '') return this.pods(call);
    if (info.group === 'apps' && info.resource === 'deployments') {
      if (info.subresource === '') return this.deployments(call);
      if (info.subresource === 'scale' && info.name !== '') return this.scale(call);
    }
    throw pathNotFound();
  }

  private list(resource: TableResource, objects: KubeObject[], query: URLSearchParams): Reply {
    const rv = this.store.resourceVersion;
    const { kind, apiVersion, fields } = listKinds[resource];
    const { items, next } = select(objects, listOptions(query, fields), rv);
    return {
      status: 200,
      body: listBody(kind, apiVersion, rv, items, next),
      view: { resource, objects: items },
    };
  }

  // ---- namespaces ----

  private namespaces(call: Call): Reply {
    const { verb, name } = call.info;
    if (verb === 'get') {
      const ns = this.store.namespace(name);
      if (ns === undefined) throw notFound(namespacesResource, name);
      return { status: 200, body: ns, view: { resource: 'namespaces', objects: [ns] } };
    }
    if (verb === 'list') return this.list('namespaces', this.store.namespaces(), call.query);
    throw methodNotAllowed();
  }

  // ---- deployments ----

  private deploymentEntry(namespace: string, name: string): DeploymentEntry {
    const entry = this.store.deployment(namespace, name);
    if (entry === undefined) throw notFound(deploymentsResource, name);
    return entry;
  }

  private deployments(call: Call): Reply {
    const { verb, namespace, name } = call.info;
    switch (verb) {
      case 'get': {
        const d = this.deploymentEntry(namespace, name).object;
        return { status: 200, body: d, view: { resource: 'deployments', objects: [d] } };
      }
      case 'list': {
        const entries = this.store.deployments(namespace === '' ? undefined : namespace);
        return this.list(
          'deployments',
          entries.map((e) => e.object),
          call.query,
        );
      }
      case 'create':
        return { status: 201, body: this.createDeployment(namespace, decodeBody(call.body)) };
      case 'update': {
        const entry = this.deploymentEntry(namespace, name);
        return { status: 200, body: this.updateDeployment(entry, decodeBody(call.body)) };
      }
      case 'patch': {
        const entry = this.deploymentEntry(namespace, name);
        const patched = patchOf(entry.object as unknown as JsonObject, call);
        return { status: 200, body: this.updateDeployment(entry, patched) };
      }
      case 'delete': {
        const entry = this.deploymentEntry(namespace, name);
        this.store.removeDeployment(entry);
        for (const pod of entry.pods) this.simulation.deletePod(pod, undefined);
        const d = entry.object;
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
      default:
        throw methodNotAllowed();
    }
  }

  /** Adds a Deployment from a manifest or a POST; `replace` updates an existing one instead. */
  createDeployment(namespace: string, raw: Json, replace = false): Deployment {
    const decoded = decodeDeployment(raw);
    if (isObject(raw)) checkNames(raw, namespace, decoded.metadata.name || '');
    decoded.metadata.namespace = namespace;
    const existing = this.store.deployment(namespace, decoded.metadata.name);
    if (existing !== undefined) {
      if (!replace) throw alreadyExists(deploymentsResource, decoded.metadata.name);
      // Like `kubectl apply`, re-applying keeps what the controllers added (the revision annotation).
      const controllerAnnotations = Object.entries(existing.object.metadata.annotations ?? {}).filter(
        ([key]) => key.startsWith('deployment.kubernetes.io/'),
      );
      const annotations = {
        ...Object.fromEntries(controllerAnnotations),
        ...(decoded.metadata.annotations ?? {}),
      };
      const metadata: JsonObject = { ...(decoded.metadata as unknown as JsonObject), annotations };
      delete metadata.resourceVersion;
      return this.updateDeployment(existing, { ...(raw as JsonObject), metadata });
    }
    const errors = validateDeployment(decoded);
    if (errors.length > 0) throw invalid(deploymentKind, decoded.metadata.name, errors);
    const now = this.clock.now();
    const meta = decoded.metadata;
    const metadata = {
      name: meta.name,
      namespace,
      uid: randomUUID(),
      resourceVersion: '0',
      generation: 1,
      creationTimestamp: rfc3339(now),
      ...(meta.labels === undefined ? {} : { labels: meta.labels }),
      ...(meta.annotations === undefined ? {} : { annotations: meta.annotations }),
    };
    const d = defaultDeployment({ ...decoded, metadata, status: {} });
    const entry = this.store.addDeployment(d);
    this.simulation.markDirty(entry);
    return d;
  }

  /** PUT or the result of a PATCH on a Deployment. */
  private updateDeployment(entry: DeploymentEntry, raw: Json): Deployment {
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
    this.store.changeDeployment(entry, next);
    this.simulation.markDirty(entry);
    return next;
  }

  // ---- scale ----

  private scale(call: Call): Reply {
    const { verb, namespace, name } = call.info;
    const entry = this.deploymentEntry(namespace, name);
    switch (verb) {
      case 'get':
        return { status: 200, body: scaleOf(entry.object) };
      case 'update':
        return { status: 200, body: this.writeScale(entry, decodeBody(call.body)) };
      case 'patch': {
        const patched = patchOf(scaleOf(entry.object) as unknown as JsonObject, call);
        return { status: 200, body: this.writeScale(entry, patched) };
      }
      default:
        throw methodNotAllowed();
    }
  }

  /** Sets the replicas from a Scale body (PUT, or the patched Scale of a PATCH). */
  writeScale(entry: DeploymentEntry, raw: Json): ReturnType<typeof scaleOf> {
    const d = entry.object;
    const name = d.metadata.name;
    const fail = (value: unknown, goField: string, goType: string): ApiError =>
      decodeError('Scale', 'v1', value, goField, goType);
    if (!isObject(raw)) throw fail(raw, 'Scale', 'v1.Scale');
    if (raw.kind !== undefined && raw.kind !== 'Scale') {
      throw badRequest(
        `Scale in version "v1" cannot be handled as a Scale: no kind ${JSON.stringify(raw.kind)} is registered for version "autoscaling/v1" in scheme`,
      );
    }
    decodeMeta('Scale', 'v1', raw.metadata);
    const spec = raw.spec ?? {};
    if (!isObject(spec)) throw fail(spec, 'Scale.spec', 'v1.ScaleSpec');
    const replicas = spec.replicas ?? 0;
    if (!isInt32(replicas)) throw fail(replicas, 'ScaleSpec.spec.replicas', 'int32');
    checkNames(raw, d.metadata.namespace ?? 'default', name);
    const meta = isObject(raw.metadata) ? raw.metadata : {};
    checkPrecondition(meta.resourceVersion, d.metadata.resourceVersion, deploymentsResource, name);
    if (replicas < 0) {
      throw invalid(scaleKind, name, [
        fieldInvalid('spec.replicas', replicas, 'must be greater than or equal to 0'),
      ]);
    }
    if (replicas !== d.spec.replicas) {
      d.spec.replicas = replicas;
      d.metadata.generation = (d.metadata.generation ?? 1) + 1;
      this.store.changeDeployment(entry);
      this.simulation.markDirty(entry);
    }
    return scaleOf(d);
  }

  // ---- pods ----

  private podEntry(namespace: string, name: string): PodEntry {
    const entry = this.store.pod(namespace, name);
    if (entry === undefined) throw notFound(podsResource, name);
    return entry;
  }

  private pods(call: Call): Reply {
    const { verb, namespace, name } = call.info;
    switch (verb) {
      case 'get': {
        const pod = this.podEntry(namespace, name).object;
        return { status: 200, body: pod, view: { resource: 'pods', objects: [pod] } };
      }
      case 'list': {
        const entries = this.store.pods(namespace === '' ? undefined : namespace);
        return this.list(
          'pods',
          entries.map((e) => e.object),
          call.query,
        );
      }
      case 'update': {
        const entry = this.podEntry(namespace, name);
        return { status: 200, body: this.updatePod(entry, decodeBody(call.body)) };
      }
      case 'patch': {
        const entry = this.podEntry(namespace, name);
        const patched = patchOf(entry.object as unknown as JsonObject, call);
        return { status: 200, body: this.updatePod(entry, patched) };
      }
      case 'delete': {
        const entry = this.podEntry(namespace, name);
        const grace = this.deleteGrace(call);
        const options = call.body.trim() === '' ? {} : decodeJson(call.body, 'error decoding DeleteOptions');
        const pre = isObject(options) && isObject(options.preconditions) ? options.preconditions : {};
        checkPrecondition(pre.resourceVersion, entry.object.metadata.resourceVersion, podsResource, name);
        if (pre.uid !== undefined && pre.uid !== null && pre.uid !== entry.object.metadata.uid) {
          throw conflict(podsResource, name);
        }
        this.simulation.deletePod(entry, grace);
        return { status: 200, body: entry.object };
      }
      default:
        throw methodNotAllowed();
    }
  }

  private deleteGrace(call: Call): number | undefined {
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

  /** PUT or the result of a PATCH on a Pod: only metadata may change; status is the kubelet's. */
  private updatePod(entry: PodEntry, raw: Json): Pod {
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
    if (raw.spec !== undefined && !sameJson(raw.spec, current.spec)) {
      errors.push(
        fieldForbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      );
    }
    if (errors.length > 0) throw invalid(podKind, name, errors);
    if (sameJson(metadata, current.metadata)) return current;
    const next: Pod = { ...current, metadata };
    this.store.changePod(entry, next);
    this.simulation.podChanged(entry);
    return next;
  }
}
