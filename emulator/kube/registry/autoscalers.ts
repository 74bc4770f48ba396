/**
 * Other autoscalers, stored as created: autoscaling/v2 HorizontalPodAutoscalers
 * (pkg/registry/autoscaling/horizontalpodautoscaler) and KEDA's keda.sh/v1alpha1 ScaledObjects
 * (a CRD): create, get, list and delete, validated for what a scale target needs
 * (spec.scaleTargetRef.name; an HPA's spec.maxReplicas >= 1). Nothing acts on them: the emulator
 * serves them so that prescaler can see that another autoscaler owns a Deployment.
 */
import { randomUUID } from 'node:crypto';
import { rfc3339 } from '../apis/objects.js';
import type { Autoscaler } from '../apis/workloads.js';
import {
  alreadyExists,
  badRequest,
  fieldInvalid,
  fieldRequired,
  invalid,
  methodNotAllowed,
  notFound,
  type FieldError,
} from '../apiserver/errors.js';
import { got, list, scope } from './list.js';
import { isObject, type Json } from './patch.js';
import { admit, checkNames, decodeBody, type Call, type RegistryDeps, type Reply } from './request.js';

type Kind = Autoscaler['kind'];

const kinds: Readonly<
  Record<Kind, { group: string; apiVersion: string; resource: 'horizontalpodautoscalers' | 'scaledobjects' }>
> = {
  HorizontalPodAutoscaler: {
    group: 'autoscaling',
    apiVersion: 'autoscaling/v2',
    resource: 'horizontalpodautoscalers',
  },
  ScaledObject: { group: 'keda.sh', apiVersion: 'keda.sh/v1alpha1', resource: 'scaledobjects' },
};

/** The kind a request's resource names, if it is one of the autoscalers. */
export function autoscalerKind(group: string, version: string, resource: string): Kind | undefined {
  if (group === 'autoscaling' && version === 'v2' && resource === 'horizontalpodautoscalers')
    return 'HorizontalPodAutoscaler';
  if (group === 'keda.sh' && version === 'v1alpha1' && resource === 'scaledobjects') return 'ScaledObject';
  return undefined;
}

export function autoscalers(deps: RegistryDeps, call: Call, kind: Kind): Reply {
  const { verb, namespace, name } = call.info;
  const { resource, group } = kinds[kind];
  const gr = { group, resource };
  const existing = () => {
    const found = deps.store.autoscaler(kind, namespace, name);
    if (found === undefined) throw notFound(gr, name);
    return found;
  };
  switch (verb) {
    case 'get':
      return got(resource, existing());
    case 'list':
      return list(deps.store, resource, deps.store.autoscalers(kind, scope(namespace)), call.query);
    case 'create':
      return { status: 201, body: createAutoscaler(deps, kind, namespace, decodeBody(call.body), call) };
    case 'delete': {
      const object = existing();
      admit(deps, call, 'DELETE', name, undefined, object);
      deps.store.removeAutoscaler(object);
      return { status: 200, body: object };
    }
    default:
      throw methodNotAllowed();
  }
}

/** Creates an autoscaler from a request or (without `call`) from a manifest, replacing one. */
export function createAutoscaler(
  deps: RegistryDeps,
  kind: Kind,
  namespace: string,
  raw: Json,
  call?: Call,
): Autoscaler {
  const { apiVersion, group, resource } = kinds[kind];
  if (!isObject(raw)) throw badRequest(`${kind} in version "${apiVersion}" cannot be handled as a ${kind}`);
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  checkNames(raw, namespace, name);
  const spec = isObject(raw.spec) ? raw.spec : {};
  const ref = isObject(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  const errors: FieldError[] = [];
  if (name === '') errors.push(fieldRequired('metadata.name', 'name or generateName is required'));
  if (typeof ref.name !== 'string' || ref.name === '') errors.push(fieldRequired('spec.scaleTargetRef.name'));
  if (kind === 'HorizontalPodAutoscaler') {
    if (typeof ref.kind !== 'string' || ref.kind === '')
      errors.push(fieldRequired('spec.scaleTargetRef.kind'));
    if (typeof spec.maxReplicas !== 'number' || spec.maxReplicas < 1)
      errors.push(
        fieldInvalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than or equal to 1'),
      );
  }
  if (errors.length > 0) throw invalid({ group, kind }, name, errors);
  if (call !== undefined && deps.store.autoscaler(kind, namespace, name) !== undefined) {
    throw alreadyExists({ group, resource }, name);
  }
  const object = {
    kind,
    apiVersion,
    metadata: {
      ...(meta as Record<string, unknown>),
      name,
      namespace,
      uid: randomUUID(),
      resourceVersion: '0',
      generation: 1,
      creationTimestamp: rfc3339(deps.clock.now()),
    },
    spec,
    status: isObject(raw.status) ? raw.status : {},
  } as unknown as Autoscaler;
  admit(deps, call, 'CREATE', name, object, undefined);
  deps.store.putAutoscaler(object);
  return object;
}
