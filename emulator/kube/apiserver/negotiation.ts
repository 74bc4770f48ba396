/**
 * Content negotiation (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation and
 * responsewriters): the Accept header picks plain JSON, a `meta.k8s.io` Table (kubectl get) or
 * PartialObjectMetadata; anything else the emulator cannot produce is a 406.
 */
import type { KubeObject } from '../apis/objects.js';
import { ApiError } from './errors.js';
import { table, type IncludeObject, type TableResource } from './tables.js';

export type Representation =
  | { readonly as: 'json' }
  | { readonly as: 'Table'; readonly version: 'v1' | 'v1beta1' }
  | { readonly as: 'PartialObjectMetadata'; readonly version: 'v1' | 'v1beta1' };

/** Picks the first representation of the Accept header that the emulator can produce. */
export function representation(accept: string | undefined): Representation | undefined {
  if (accept === undefined || accept.trim() === '') return { as: 'json' };
  for (const range of accept.split(',')) {
    const [type = '', ...paramParts] = range.split(';').map((p) => p.trim());
    const params = new Map(
      paramParts.map((p) => {
        const [k = '', v = ''] = p.split('=');
        return [k.trim().toLowerCase(), v.trim()] as const;
      }),
    );
    const as = params.get('as');
    const version = params.get('v');
    const isJson = type === 'application/json' || type === '*/*' || type === 'application/*';
    if (!isJson) continue;
    if (as === undefined) return { as: 'json' };
    if (params.get('g') !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1')) continue;
    if (as === 'Table') return { as: 'Table', version };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { as: 'PartialObjectMetadata', version };
    }
  }
  return undefined;
}

/** The representation asked for, or a 406 NotAcceptable. */
export function acceptable(accept: string | undefined): Representation {
  const wanted = representation(accept);
  if (wanted === undefined) {
    throw new ApiError(
      406,
      'NotAcceptable',
      'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    );
  }
  return wanted;
}

export function includeObject(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

export function partialObject(o: KubeObject, version: string): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata };
}

export interface Rendering {
  readonly resource: TableResource;
  readonly query: URLSearchParams;
  readonly now: number;
}

/**
 * `body` (the JSON of a get or list over `objects`) in the wanted representation. `rv` is the
 * resourceVersion the Table carries.
 */
export function render(
  wanted: Representation,
  body: unknown,
  objects: readonly KubeObject[],
  rv: string,
  how: Rendering,
): unknown {
  if (wanted.as === 'json') return body;
  if (wanted.as === 'Table') {
    return table(how.resource, objects, rv, how.now, includeObject(how.query), wanted.version);
  }
  const isList = (body as { kind?: string }).kind?.endsWith('List') ?? false;
  if (!isList) return partialObject(objects[0] as KubeObject, wanted.version);
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${wanted.version}`,
    metadata: (body as { metadata: unknown }).metadata,
    items: objects.map((o) => partialObject(o, wanted.version)),
  };
}
