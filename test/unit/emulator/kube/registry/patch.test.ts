import { describe, expect, it } from '@jest/globals';
import { ApiError } from '../../../../../emulator/kube/apiserver/errors.js';
import {
  applyPatch,
  mergePatch,
  patchTypeOf,
  type JsonObject,
} from '../../../../../emulator/kube/registry/patch.js';

const scale: JsonObject = {
  kind: 'Scale',
  apiVersion: 'autoscaling/v1',
  metadata: { name: 'x', namespace: 'ns', resourceVersion: '7', annotations: { keep: 'me', drop: 'me' } },
  spec: { replicas: 2 },
  status: { replicas: 2, selector: 'app=x' },
};

function apiError(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('patch content types', () => {
  it.each([
    ['application/merge-patch+json', 'application/merge-patch+json'],
    ['application/merge-patch+json; charset=utf-8', 'application/merge-patch+json'],
    ['application/json-patch+json', 'application/json-patch+json'],
    ['application/strategic-merge-patch+json', 'application/strategic-merge-patch+json'],
    ['application/apply-patch+yaml', 'application/apply-patch+yaml'],
  ])('%s is %s', (header, type) => {
    expect(patchTypeOf(header)).toBe(type);
  });

  it.each([['application/json'], ['text/plain'], [undefined]])(
    '%s is 415 Unsupported Media Type',
    (header) => {
      const error = apiError(() => patchTypeOf(header));
      expect(error.code).toBe(415);
      expect(error.reason).toBe('UnsupportedMediaType');
      expect(error.message).toBe(
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
      );
    },
  );
});

describe('merge patch (RFC 7386)', () => {
  it.each<[string, JsonObject, JsonObject]>([
    ['replaces a scalar', { spec: { replicas: 5 } }, { spec: { replicas: 5 } }],
    [
      'null deletes a key',
      { metadata: { annotations: { drop: null } } },
      { metadata: { annotations: { keep: 'me' } } },
    ],
    [
      'adds a key',
      { metadata: { annotations: { k: 'v' } } },
      { metadata: { annotations: { keep: 'me', drop: 'me', k: 'v' } } },
    ],
    ['replaces arrays whole', { a: [1] }, { a: [1] }],
  ])('%s', (_what, patch, expected) => {
    const result = mergePatch(structuredClone(scale), patch) as JsonObject;
    expect(result).toMatchObject(expected);
  });

  it('applies without touching the original', () => {
    const result = applyPatch(scale, 'application/merge-patch+json', '{"spec":{"replicas":9}}');
    expect(result.spec).toEqual({ replicas: 9 });
    expect(scale.spec).toEqual({ replicas: 2 });
  });

  it('rejects a body that is not an object with 400', () => {
    const error = apiError(() => applyPatch(scale, 'application/merge-patch+json', '[1]'));
    expect(error.code).toBe(400);
    expect(error.message).toBe(
      'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
    expect(apiError(() => applyPatch(scale, 'application/merge-patch+json', '{nope')).code).toBe(400);
  });

  it('strategic merge patch merges like a merge patch and drops ordering directives', () => {
    const result = applyPatch(
      scale,
      'application/strategic-merge-patch+json',
      '{"metadata":{"annotations":{"k":"v","drop":null}},"$setElementOrder/containers":[{"name":"c"}]}',
    );
    expect(result.metadata).toMatchObject({ annotations: { keep: 'me', k: 'v' } });
    expect(result).not.toHaveProperty('$setElementOrder/containers');
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies operations in order', () => {
    const result = applyPatch(
      scale,
      'application/json-patch+json',
      JSON.stringify([
        { op: 'test', path: '/spec/replicas', value: 2 },
        { op: 'replace', path: '/spec/replicas', value: 4 },
        { op: 'add', path: '/metadata/annotations/new', value: 'x' },
        { op: 'remove', path: '/metadata/annotations/drop' },
      ]),
    );
    expect(result.spec).toEqual({ replicas: 4 });
    expect(result.metadata).toMatchObject({ annotations: { keep: 'me', new: 'x' } });
    expect(scale.spec).toEqual({ replicas: 2 });
  });

  it('answers a merge-shaped body with 400, as the API server does', () => {
    const error = apiError(() => applyPatch(scale, 'application/json-patch+json', '{"spec":{"replicas":3}}'));
    expect(error.code).toBe(400);
    expect(error.reason).toBe('BadRequest');
    expect(error.message).toBe(
      'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
    );
  });

  it('answers a failed test or a missing path with 422', () => {
    for (const ops of [
      [{ op: 'test', path: '/spec/replicas', value: 3 }],
      [{ op: 'replace', path: '/spec/nothing/here', value: 1 }],
    ]) {
      const error = apiError(() => applyPatch(scale, 'application/json-patch+json', JSON.stringify(ops)));
      expect(error.code).toBe(422);
      expect(error.message).toBe('the server rejected our request due to an error in our request');
    }
  });

  it('rejects an unknown operation with 400', () => {
    const error = apiError(() =>
      applyPatch(scale, 'application/json-patch+json', '[{"op":"frob","path":"/a"}]'),
    );
    expect(error.code).toBe(400);
  });
});
