/**
 * Request paths read the way the API server's RequestInfoFactory reads them: `/api/v1/...` (core
 * group) or `/apis/{group}/{version}/...`, then `namespaces/{ns}`, resource, name, subresource;
 * the verb comes from the method (GET on a name is `get`, without one `list`, with `watch=true`
 * `watch`; POST `create`, PUT `update`, PATCH `patch`, DELETE `delete`). As in the server, a
 * request for `namespaces/{name}` carries that name as its namespace too. Anything else is a
 * non-resource path (`/version`, `/api`, `/healthz`).
 */

export interface ResourceRequest {
  readonly kind: 'resource';
  readonly verb: string;
  readonly group: string;
  readonly version: string;
  readonly namespace: string;
  readonly resource: string;
  readonly name: string;
  readonly subresource: string;
  /** Path segments after the subresource (none are served). */
  readonly extra: number;
}

export interface PathRequest {
  readonly kind: 'path';
  readonly verb: string;
  readonly path: string;
}

export type RequestInfo = ResourceRequest | PathRequest;

const methodVerbs: Readonly<Record<string, string>> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

function truthy(value: string | null): boolean {
  return value === 'true' || value === '1';
}

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter((p) => p !== '');
  const nonResource: PathRequest = { kind: 'path', verb: method.toLowerCase(), path };
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return nonResource;
  }
  let verb = methodVerbs[method] ?? method.toLowerCase();
  let namespace = '';
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      namespace = rest[1] as string;
      if (rest.length > 2 && rest[2] !== 'status' && rest[2] !== 'finalize') rest = rest.slice(2);
    }
  }
  const [resource = '', name = '', subresource = ''] = rest;
  if (name === '') {
    if (verb === 'get') verb = 'list';
    else if (verb === 'delete') verb = 'deletecollection';
  }
  if ((verb === 'list' || verb === 'get') && truthy(query.get('watch'))) verb = 'watch';
  return {
    kind: 'resource',
    verb,
    group,
    version,
    namespace,
    resource,
    name,
    subresource,
    extra: Math.max(0, rest.length - 3),
  };
}
