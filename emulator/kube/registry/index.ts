/**
 * The registry: routes a resource request to the resource it names (one file each, as in
 * pkg/registry), and serves the writes the emulator makes from code (manifests, `scale`).
 */
import type { Json } from './patch.js';
import { pathNotFound } from '../apiserver/errors.js';
import type { Deployment, Scale } from '../apis/objects.js';
import { createDeployment, deployments } from './deployments.js';
import { namespaces } from './namespaces.js';
import { pods } from './pods.js';
import type { Call, RegistryDeps, Reply } from './request.js';
import { scale, writeScale } from './scale.js';

export { byKey } from './list.js';
export type { Call, RegistryDeps, Reply } from './request.js';

export class Registry {
  constructor(private readonly deps: RegistryDeps) {}

  handle(call: Call): Reply {
    const { info } = call;
    if (info.version !== 'v1' || info.extra > 0) throw pathNotFound();
    if (info.group === '' && info.resource === 'namespaces' && info.subresource === '')
      return namespaces(this.deps, call);
    if (info.group === '' && info.resource === 'pods' && info.subresource === '')
      return pods(this.deps, call);
    if (info.group === 'apps' && info.resource === 'deployments') {
      if (info.subresource === '') return deployments(this.deps, call);
      if (info.subresource === 'scale' && info.name !== '') return scale(this.deps, call);
    }
    throw pathNotFound();
  }

  /** Creates or replaces a Deployment from a manifest (no request, so no admission). */
  applyDeployment(namespace: string, raw: Json): Deployment {
    return createDeployment(this.deps, namespace, raw, true);
  }

  /** Sets a Deployment's replicas (no request, so no admission); false when it does not exist. */
  setReplicas(namespace: string, name: string, replicas: number): Scale | undefined {
    const entry = this.deps.store.deployment(namespace, name);
    return entry === undefined ? undefined : writeScale(this.deps, entry, { spec: { replicas } });
  }
}
