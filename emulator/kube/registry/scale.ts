/**
 * The Deployment `scale` subresource (pkg/registry/apps/deployment/storage/storage.go ScaleREST,
 * pkg/apis/autoscaling/validation): get, update and patch of an autoscaling/v1 Scale, with the
 * Deployment's resourceVersion as precondition and `spec.replicas >= 0`.
 */
import { scaleOf } from '../apis/objects.js';
import { badRequest, fieldInvalid, invalid, methodNotAllowed, type ApiError } from '../apiserver/errors.js';
import type { DeploymentEntry } from '../storage/store.js';
import { deploymentEntry } from './deployments.js';
import { isObject, type Json, type JsonObject } from './patch.js';
import {
  admit,
  checkNames,
  checkPrecondition,
  decodeBody,
  deploymentsResource,
  patchOf,
  type Call,
  type RegistryDeps,
  type Reply,
} from './request.js';
import { decodeError, decodeMeta, isInt32 } from './validation.js';

const scaleKind = { group: 'autoscaling', kind: 'Scale' };

export function scale(deps: RegistryDeps, call: Call): Reply {
  const { verb, namespace, name } = call.info;
  const entry = deploymentEntry(deps, namespace, name);
  switch (verb) {
    case 'get':
      return { status: 200, body: scaleOf(entry.object) };
    case 'update':
      return { status: 200, body: writeScale(deps, entry, decodeBody(call.body), call) };
    case 'patch': {
      const patched = patchOf(scaleOf(entry.object) as unknown as JsonObject, call);
      return { status: 200, body: writeScale(deps, entry, patched, call) };
    }
    default:
      throw methodNotAllowed();
  }
}

/** Sets the replicas from a Scale body (PUT, or the patched Scale of a PATCH). */
export function writeScale(
  deps: RegistryDeps,
  entry: DeploymentEntry,
  raw: Json,
  call?: Call,
): ReturnType<typeof scaleOf> {
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
    const old = scaleOf(d);
    admit(deps, call, 'UPDATE', name, { ...old, spec: { replicas } }, old);
    d.spec.replicas = replicas;
    d.metadata.generation = (d.metadata.generation ?? 1) + 1;
    deps.store.changeDeployment(entry);
    deps.controllers.markDirty(entry);
  }
  return scaleOf(d);
}
