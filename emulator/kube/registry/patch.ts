/**
 * PATCH bodies as the API server applies them: JSON Patch (RFC 6902, through fast-json-patch),
 * JSON merge patch (RFC 7386), strategic merge patch (for the objects served here it merges like a
 * merge patch; `$setElementOrder` directives are dropped) and server-side apply (approximated as a
 * merge of the YAML body). Errors carry the server's status codes and messages: 415 for an unknown
 * Content-Type, 400 for a body that does not decode, 422 for a JSON Patch that does not apply.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, unsupportedMediaType } from '../apiserver/errors.js';

export const patchContentTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export type PatchContentType = (typeof patchContentTypes)[number];

export function isPatchContentType(value: string): value is PatchContentType {
  return (patchContentTypes as readonly string[]).includes(value);
}

/** The media type without parameters, lower-cased (`application/merge-patch+json; charset=utf-8`). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Which patch a Content-Type header names; 415 for anything else. */
export function patchTypeOf(contentType: string | undefined): PatchContentType {
  const type = mediaType(contentType);
  if (isPatchContentType(type)) return type;
  throw unsupportedMediaType(patchContentTypes);
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's name for the JSON kind of a value, as encoding/json words its type errors. */
export function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

/** Parses JSON or fails with the server's 400 wording. */
export function decodeJson(body: string, what: string): Json {
  try {
    return JSON.parse(body) as Json;
  } catch (error) {
    throw badRequest(`${what}: ${(error as Error).message}`);
  }
}

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergePatch(result[key] ?? null, value);
    }
  }
  return result;
}

/** Removes strategic-merge directives that have no effect on a merge of these objects. */
function stripDirectives(patch: Json): Json {
  if (Array.isArray(patch)) return patch.map(stripDirectives);
  if (!isObject(patch)) return patch;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    out[key] = stripDirectives(value);
  }
  return out;
}

const jsonPatchOps = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function decodeJsonPatch(body: string): Operation[] {
  const decoded = decodeJson(body, 'error decoding patch');
  if (!Array.isArray(decoded)) {
    throw badRequest(
      `error decoding patch: json: cannot unmarshal ${goKind(decoded)} into Go value of type []handlers.jsonPatchOp`,
    );
  }
  for (const op of decoded) {
    if (!isObject(op)) {
      throw badRequest(
        `error decoding patch: json: cannot unmarshal ${goKind(op)} into Go value of type handlers.jsonPatchOp`,
      );
    }
    if (typeof op.op !== 'string' || !jsonPatchOps.has(op.op)) {
      throw badRequest(`Unexpected kind: ${typeof op.op === 'string' ? op.op : 'unknown'}`);
    }
  }
  return decoded as unknown as Operation[];
}

const rejected = (): ApiError =>
  new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});

/**
 * Applies a PATCH body of the given type to a copy of `current` and returns the result.
 * `current` is not modified.
 */
export function applyPatch(current: JsonObject, type: PatchContentType, body: string): JsonObject {
  switch (type) {
    case 'application/json-patch+json': {
      const operations = decodeJsonPatch(body);
      if (operations.length > 10000) {
        throw new ApiError(
          413,
          'RequestEntityTooLarge',
          `Request entity too large: The allowed maximum operations in a JSON patch is 10000, got ${operations.length}`,
        );
      }
      try {
        const result = fastJsonPatch.applyPatch(structuredClone(current), operations, true, true).newDocument;
        if (!isObject(result)) throw rejected();
        return result;
      } catch (error) {
        if (error instanceof ApiError) throw error;
        throw rejected();
      }
    }
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json': {
      const patch = decodeJson(body, 'error decoding patch');
      if (!isObject(patch)) {
        throw badRequest(
          `error decoding patch: json: cannot unmarshal ${goKind(patch)} into Go value of type map[string]interface {}`,
        );
      }
      const effective = type === 'application/merge-patch+json' ? patch : stripDirectives(patch);
      return mergePatch(current, effective) as JsonObject;
    }
    case 'application/apply-patch+yaml': {
      let patch: unknown;
      try {
        patch = parseYaml(body) as unknown;
      } catch (error) {
        throw badRequest(`error decoding YAML: ${(error as Error).message}`);
      }
      if (!isObject(patch)) throw badRequest('error decoding YAML: the body is not an object');
      return mergePatch(current, patch) as JsonObject;
    }
  }
}
