/**
 * Objects by the value of one label, for lists whose label selector requires that value (the job
 * of the watch cache's indexers upstream, staging/src/k8s.io/apiserver/pkg/storage/cacher): an
 * index of one namespace and label key is built on the first lookup at a resourceVersion and
 * dropped once the store moves on, so it never outlives a change. The list still applies the
 * whole selection to what the index returns.
 */
import type { KubeObject } from '../apis/objects.js';
import type { Store } from './store.js';

type Index = Map<string, KubeObject[]>;

interface Indexes {
  version: string;
  readonly byScope: Map<string, Index>;
}

const indexes = new WeakMap<Store, Indexes>();

/**
 * The objects of `all` (those of `namespace`, undefined for all namespaces, of one resource) whose
 * label `key` is `value`; `resource` tells the indexes of different resources apart.
 */
export function labelled(
  store: Store,
  resource: string,
  namespace: string | undefined,
  [key, value]: readonly [string, string],
  all: () => readonly KubeObject[],
): KubeObject[] {
  let held = indexes.get(store);
  if (held === undefined || held.version !== store.resourceVersion) {
    held = { version: store.resourceVersion, byScope: new Map() };
    indexes.set(store, held);
  }
  const scope = `${resource}\u0000${namespace ?? ''}\u0000${key}`;
  let index = held.byScope.get(scope);
  if (index === undefined) {
    index = new Map();
    for (const object of all()) {
      const labels = object.metadata.labels;
      if (labels === undefined || !Object.hasOwn(labels, key)) continue;
      const found = labels[key] as string;
      const bucket = index.get(found);
      if (bucket === undefined) index.set(found, [object]);
      else bucket.push(object);
    }
    held.byScope.set(scope, index);
  }
  return index.get(value) ?? [];
}
