/** Namespaces (pkg/registry/core/namespace): get and list; they are made by manifests and writes. */
import { methodNotAllowed, notFound } from '../apiserver/errors.js';
import { got, list } from './list.js';
import { namespacesResource, type Call, type RegistryDeps, type Reply } from './request.js';

export function namespaces(deps: RegistryDeps, call: Call): Reply {
  const { verb, name } = call.info;
  if (verb === 'get') {
    const ns = deps.store.namespace(name);
    if (ns === undefined) throw notFound(namespacesResource, name);
    return got('namespaces', ns);
  }
  if (verb === 'list') return list(deps.store, 'namespaces', deps.store.namespaces(), call.query);
  throw methodNotAllowed();
}
