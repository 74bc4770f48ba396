/**
 * One filtering path for lists and watches: the `labelSelector` and `fieldSelector` of a request
 * parsed once (a bad one is a 400 BadRequest with the server's wording, on a list as on a watch)
 * into a predicate over objects, like the SelectionPredicate of
 * staging/src/k8s.io/apiserver/pkg/storage/selection_predicate.go. Field selectors accept the
 * fields each resource registers (pkg/registry/core/pod/strategy.go PodToSelectableFields:
 * metadata.name, metadata.namespace, spec.nodeName, status.phase; metadata only elsewhere).
 */
import type { KubeObject } from '../apis/objects.js';
import { parseSelector, SelectorParseError, type Selector } from '../apis/selector.js';
import { badRequest } from '../apiserver/errors.js';

export interface FieldRequirement {
  readonly field: string;
  readonly equal: boolean;
  readonly value: string;
}

const metaFields = ['metadata.name', 'metadata.namespace'];

/** The fields a field selector may name, by kind. */
export const selectableFields: Readonly<Record<KubeObject['kind'], readonly string[]>> = {
  Pod: [...metaFields, 'spec.nodeName', 'status.phase'],
  Deployment: metaFields,
  Namespace: metaFields,
};

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

export function parseFieldSelector(text: string, known: readonly string[]): FieldRequirement[] {
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

/** A parsed label selector; a bad one is a 400 with the parser's message. */
export function labelSelectorOf(text: string): Selector | undefined {
  if (text.trim() === '') return undefined;
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorParseError) throw badRequest(error.message);
    throw error;
  }
}

export interface Selection {
  readonly labels: Selector | undefined;
  readonly fields: readonly FieldRequirement[];
  readonly matches: (object: KubeObject) => boolean;
}

/**
 * The selection of a list or watch request on `kind`. `name` (a request on one object, such as
 * `kubectl get pod x -w`) adds `metadata.name=name`.
 */
export function selectionOf(query: URLSearchParams, kind: KubeObject['kind'], name = ''): Selection {
  const labels = labelSelectorOf(query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '', selectableFields[kind]);
  if (name !== '') fields.push({ field: 'metadata.name', equal: true, value: name });
  return {
    labels,
    fields,
    matches: (o) =>
      (labels === undefined || labels.matches(o.metadata.labels)) &&
      fields.every((f) => (fieldValue(o, f.field) === f.value) === f.equal),
  };
}
