/**
 * Lists: the objects a list request selects (storage/selection.ts, shared with watches), in
 * etcd's key order (namespace, then name), cut into pages by `limit` with an opaque `continue`
 * token and `remainingItemCount`, written as the server writes a list: items without their kind
 * and apiVersion (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go GetList).
 */
import type { KubeObject } from '../apis/objects.js';
import { badRequest } from '../apiserver/errors.js';
import type { TableResource } from '../apiserver/tables.js';
import { labelled } from '../storage/label-index.js';
import { selectionOf } from '../storage/selection.js';
import type { Store } from '../storage/store.js';
import type { Reply } from './request.js';

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Objects ordered the way etcd returns them: by namespace, then name. */
export function byKey<T extends KubeObject>(objects: T[]): T[] {
  return objects.sort((a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

const listKinds: Readonly<
  Record<
    TableResource,
    { readonly kind: string; readonly apiVersion: string; readonly item: KubeObject['kind'] }
  >
> = {
  pods: { kind: 'PodList', apiVersion: 'v1', item: 'Pod' },
  deployments: { kind: 'DeploymentList', apiVersion: 'apps/v1', item: 'Deployment' },
  namespaces: { kind: 'NamespaceList', apiVersion: 'v1', item: 'Namespace' },
  replicasets: { kind: 'ReplicaSetList', apiVersion: 'apps/v1', item: 'ReplicaSet' },
  horizontalpodautoscalers: {
    kind: 'HorizontalPodAutoscalerList',
    apiVersion: 'autoscaling/v2',
    item: 'HorizontalPodAutoscaler',
  },
  scaledobjects: { kind: 'ScaledObjectList', apiVersion: 'keda.sh/v1alpha1', item: 'ScaledObject' },
};

interface Page {
  readonly limit: number;
  readonly after: string | undefined;
}

function pageOf(query: URLSearchParams): Page {
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
  return { limit, after };
}

function paginate<T extends KubeObject>(
  sorted: T[],
  page: Page,
  resourceVersion: string,
): { items: T[]; next: { continue: string; remaining: number } | undefined } {
  const after = page.after;
  const rest = after === undefined ? sorted : sorted.filter((o) => keyOf(o) > after);
  if (page.limit === 0 || rest.length <= page.limit) return { items: rest, next: undefined };
  const items = rest.slice(0, page.limit);
  const start = keyOf(items[items.length - 1] as T);
  const token = Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(resourceVersion), start }),
  ).toString('base64');
  return { items, next: { continue: token, remaining: rest.length - items.length } };
}

/**
 * What a list may select from: the objects, or a function of the selector's first equality
 * requirement (undefined without one) giving at least every object that holds it.
 */
export type Candidates = KubeObject[] | ((equality: readonly [string, string] | undefined) => KubeObject[]);

/**
 * Candidates of `resource` in `namespace` (undefined: all) narrowed by the label index
 * (storage/label-index.ts) when the selector requires a label value.
 */
export function indexed(
  store: Store,
  resource: TableResource,
  namespace: string | undefined,
  all: () => KubeObject[],
): Candidates {
  return (equality) => (equality === undefined ? all() : labelled(store, resource, namespace, equality, all));
}

/** The reply to a list request on `resource` over `candidates`. */
export function list(
  store: Store,
  resource: TableResource,
  candidates: Candidates,
  query: URLSearchParams,
): Reply {
  const rv = store.resourceVersion;
  const { kind, apiVersion, item } = listKinds[resource];
  const selection = selectionOf(query, item);
  const objects =
    typeof candidates === 'function' ? candidates(selection.labels?.equalities()[0]) : candidates;
  const page = pageOf(query);
  const { items, next } = paginate(byKey(objects.filter(selection.matches)), page, rv);
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  if (next !== undefined) {
    metadata.continue = next.continue;
    metadata.remainingItemCount = next.remaining;
  }
  const body = {
    kind,
    apiVersion,
    metadata,
    items: items.map(({ kind: _k, apiVersion: _v, ...rest }) => rest),
  };
  return { status: 200, body, view: { resource, objects: items } };
}

/** The reply to a get of one object. */
export function got(resource: TableResource, object: KubeObject): Reply {
  return { status: 200, body: object, view: { resource, objects: [object] } };
}

/** A request's namespace as the store takes it: '' (all namespaces) is undefined. */
export function scope(namespace: string): string | undefined {
  return namespace === '' ? undefined : namespace;
}
