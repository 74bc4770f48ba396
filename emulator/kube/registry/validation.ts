/**
 * Decoding and validation of the objects clients send, with the API server's two kinds of
 * failure: a body that does not decode into the Go type is a 400 ("... cannot be handled as a
 * Deployment: json: cannot unmarshal string into Go struct field ..."), a decoded object that
 * breaks a rule is a 422 Invalid listing each field (apps/validation ValidateDeployment, the
 * metadata rules of apimachinery's ValidateObjectMeta), for the subset of fields served here.
 */
import { goKind, isObject, type Json, type JsonObject } from './patch.js';
import type { Deployment, ObjectMeta } from '../apis/objects.js';
import { labelValueError, qualifiedNameError } from '../apis/label-validation.js';
import { fromLabelSelector, type LabelSelector } from '../apis/selector.js';
import {
  badRequest,
  fieldInvalid,
  fieldRequired,
  type ApiError,
  type FieldError,
} from '../apiserver/errors.js';

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The 400 of a body whose field has the wrong JSON type. */
export function decodeError(
  kind: string,
  version: string,
  value: unknown,
  goField: string,
  goType: string,
): ApiError {
  return badRequest(
    `${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${goKind(value)} into Go struct field ${goField} of type ${goType}`,
  );
}

export function isStringMap(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

export function isInt32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647;
}

/** Checks the JSON types of the metadata fields the emulator reads; throws a 400. */
export function decodeMeta(kind: string, version: string, meta: unknown): void {
  if (meta === undefined) return;
  if (!isObject(meta)) throw decodeError(kind, version, meta, `${kind}.metadata`, 'v1.ObjectMeta');
  for (const field of ['name', 'namespace', 'resourceVersion', 'uid', 'generateName'] as const) {
    const v = meta[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw decodeError(kind, version, v, `ObjectMeta.metadata.${field}`, 'string');
    }
  }
  for (const field of ['labels', 'annotations'] as const) {
    const v = meta[field];
    if (v === undefined || v === null) continue;
    if (!isObject(v))
      throw decodeError(kind, version, v, `ObjectMeta.metadata.${field}`, 'map[string]string');
    for (const entry of Object.values(v)) {
      if (typeof entry !== 'string') {
        throw decodeError(kind, version, entry, `ObjectMeta.metadata.${field}`, 'string');
      }
    }
  }
}

/** ValidateObjectMeta's rules on name, labels and annotations. */
export function validateMeta(meta: ObjectMeta, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (!meta.name) {
    errors.push(fieldRequired('metadata.name', 'name or generateName is required'));
  } else if (meta.name.length > 253 || !dns1123Subdomain.test(meta.name)) {
    errors.push(
      fieldInvalid(
        'metadata.name',
        meta.name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    );
  }
  if (namespaced && meta.namespace !== undefined && !dns1123Label.test(meta.namespace)) {
    errors.push(
      fieldInvalid(
        'metadata.namespace',
        meta.namespace,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ),
    );
  }
  errors.push(...validateLabels(meta.labels, 'metadata.labels'));
  for (const key of Object.keys(meta.annotations ?? {})) {
    const problem = qualifiedNameError(key.toLowerCase());
    if (problem !== undefined) errors.push(fieldInvalid('metadata.annotations', key, problem));
  }
  return errors;
}

export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined,
  field: string,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyProblem = qualifiedNameError(key);
    if (keyProblem !== undefined) errors.push(fieldInvalid(field, key, keyProblem));
    const valueProblem = labelValueError(value);
    if (valueProblem !== undefined) errors.push(fieldInvalid(field, value, valueProblem));
  }
  return errors;
}

/** Go's %v of a map[string]string, as the selector/labels mismatch message shows it. */
function goMap(map: Readonly<Record<string, string>>): string {
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(map[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/**
 * Decodes a Deployment body (JSON already parsed); throws a 400 when a field the emulator reads
 * has the wrong type. The result still needs `validateDeployment`.
 */
export function decodeDeployment(raw: Json): Deployment {
  const kind = 'Deployment';
  const version = 'v1';
  if (!isObject(raw)) {
    throw badRequest(
      `${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${goKind(raw)} into Go value of type apps.Deployment`,
    );
  }
  if (raw.kind !== undefined && raw.kind !== 'Deployment') {
    throw badRequest(
      `${kind} in version "${version}" cannot be handled as a ${kind}: no kind ${JSON.stringify(raw.kind)} is registered for version "apps/v1" in scheme`,
    );
  }
  decodeMeta(kind, version, raw.metadata);
  const spec = raw.spec ?? {};
  if (!isObject(spec)) throw decodeError(kind, version, spec, 'Deployment.spec', 'v1.DeploymentSpec');
  if (spec.replicas !== undefined && spec.replicas !== null && !isInt32(spec.replicas)) {
    throw decodeError(kind, version, spec.replicas, 'DeploymentSpec.spec.replicas', 'int32');
  }
  if (spec.selector !== undefined && spec.selector !== null && !isObject(spec.selector)) {
    throw decodeError(kind, version, spec.selector, 'DeploymentSpec.spec.selector', 'v1.LabelSelector');
  }
  const template = spec.template ?? {};
  if (!isObject(template))
    throw decodeError(kind, version, template, 'DeploymentSpec.spec.template', 'v1.PodTemplateSpec');
  decodeMeta(kind, version, template.metadata);
  const podSpec = template.spec ?? {};
  if (!isObject(podSpec))
    throw decodeError(kind, version, podSpec, 'PodTemplateSpec.spec.template.spec', 'v1.PodSpec');
  const containers = podSpec.containers ?? [];
  if (!Array.isArray(containers)) {
    throw decodeError(kind, version, containers, 'PodSpec.spec.template.spec.containers', '[]v1.Container');
  }
  const meta = (raw.metadata ?? {}) as JsonObject;
  const out = {
    ...raw,
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { ...meta },
    spec: {
      ...spec,
      replicas: spec.replicas ?? 1,
      template: { ...template, spec: { ...podSpec, containers } },
    },
    status: {},
  };
  return out as unknown as Deployment;
}

/** ValidateDeployment's rules for the fields the emulator uses. */
export function validateDeployment(d: Deployment): FieldError[] {
  const errors = validateMeta(d.metadata, true);
  const spec = d.spec;
  if (spec.replicas < 0)
    errors.push(fieldInvalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const selector = spec.selector as LabelSelector | undefined | null;
  const templateLabels = spec.template.metadata?.labels ?? {};
  if (selector === undefined || selector === null) {
    errors.push(fieldRequired('spec.selector'));
  } else if (
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  ) {
    errors.push(fieldInvalid('spec.selector', selector, 'empty selector is invalid for deployment'));
  } else {
    try {
      if (!fromLabelSelector(selector).matches(templateLabels)) {
        errors.push({
          reason: 'FieldValueInvalid',
          field: 'spec.template.metadata.labels',
          message: `Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\``,
        });
      }
    } catch (error) {
      errors.push(fieldInvalid('spec.selector', selector, (error as Error).message));
    }
  }
  errors.push(...validateLabels(templateLabels, 'spec.template.metadata.labels'));
  const containers = spec.template.spec.containers;
  if (containers.length === 0) errors.push(fieldRequired('spec.template.spec.containers'));
  containers.forEach((c: unknown, i) => {
    const container = isObject(c) ? c : {};
    if (typeof container.name !== 'string' || container.name === '') {
      errors.push(fieldRequired(`spec.template.spec.containers[${i}].name`));
    }
    if (typeof container.image !== 'string' || container.image === '') {
      errors.push(fieldRequired(`spec.template.spec.containers[${i}].image`));
    }
  });
  const grace = spec.template.spec.terminationGracePeriodSeconds;
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) {
    errors.push(
      fieldInvalid(
        'spec.template.spec.terminationGracePeriodSeconds',
        grace,
        'must be greater than or equal to 0',
      ),
    );
  }
  return errors;
}
