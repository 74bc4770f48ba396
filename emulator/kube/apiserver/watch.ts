/**
 * Watch requests (`?watch=true`, staging/src/k8s.io/apiserver/pkg/endpoints/handlers/watch.go):
 * a chunked stream of `{"type":"ADDED|MODIFIED|DELETED","object":{...}}` lines for one resource,
 * selected by namespace, name and the same label and field selectors as a list
 * (storage/selection.ts: a bad selector is a 400, `status.phase=Running` filters), encoded as
 * JSON, Table rows (column definitions on the first event only) or PartialObjectMetadata. The
 * replay and the 410 Expired come from the watch cache (storage/watch-cache.ts);
 * `timeoutSeconds` ends the stream.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../apis/objects.js';
import { selectionOf } from '../storage/selection.js';
import type { Store } from '../storage/store.js';
import type { WatchCache, WatchEvent } from '../storage/watch-cache.js';
import { gone, pathNotFound } from './errors.js';
import { includeObject, partialObject, representation } from './negotiation.js';
import type { ResourceRequest } from './request-info.js';
import { table, type TableResource } from './tables.js';

const kinds: Readonly<Record<string, KubeObject['kind']>> = {
  'apps/deployments': 'Deployment',
  'apps/replicasets': 'ReplicaSet',
  '/pods': 'Pod',
  '/namespaces': 'Namespace',
};

export interface WatchRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly info: ResourceRequest;
  readonly query: URLSearchParams;
}

/** Current objects of a kind in a namespace ('' = all). */
function currentObjects(store: Store, kind: KubeObject['kind'], namespace: string): KubeObject[] {
  const ns = namespace === '' ? undefined : namespace;
  if (kind === 'Pod') return store.pods(ns).map((e) => e.object);
  if (kind === 'Deployment') return store.deployments(ns).map((e) => e.object);
  if (kind === 'ReplicaSet') return store.replicaSets(ns).map((e) => e.object);
  return store.namespaces();
}

/** Streams a watch; returns a function that ends it (for server shutdown). */
export function serveWatch(
  cache: WatchCache,
  store: Store,
  now: () => number,
  { req, res, info, query }: WatchRequest,
): () => void {
  const kind = info.subresource === '' ? kinds[`${info.group}/${info.resource}`] : undefined;
  if (kind === undefined || info.version !== 'v1') throw pathNotFound();
  const selection = selectionOf(query, kind, info.name);
  const wanted = representation(req.headers.accept) ?? { as: 'json' };
  const resource = info.resource as TableResource;
  const namespace = info.resource === 'namespaces' ? '' : info.namespace;
  let first = true;
  const encode = (event: WatchEvent): string => {
    let object: unknown = event.object;
    if (wanted.as === 'Table') {
      const rv = event.object.metadata.resourceVersion;
      const t = table(resource, [event.object], rv, now(), includeObject(query), wanted.version);
      if (!first) t.columnDefinitions = [];
      object = t;
    } else if (wanted.as === 'PartialObjectMetadata') {
      object = partialObject(event.object, wanted.version);
    }
    first = false;
    return `${JSON.stringify({ type: event.type, object })}\n`;
  };
  const started = cache.open(
    { kind, namespace, matches: selection.matches },
    query.get('resourceVersion') ?? undefined,
    () => currentObjects(store, kind, namespace),
    (event) => res.write(encode(event)),
  );
  if (!started.ok) {
    throw gone(`too old resource version: ${query.get('resourceVersion') ?? ''} (${started.oldest})`);
  }
  res.writeHead(200, {
    'Audit-Id': randomUUID(),
    'Cache-Control': 'no-cache, private',
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
  });
  for (const event of started.backlog) res.write(encode(event));
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '1800');
  const timer = setTimeout(() => res.end(), Math.max(1, timeoutSeconds) * 1000);
  timer.unref();
  let ended = false;
  const finish = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    started.stop();
  };
  res.once('close', finish);
  req.once('close', () => {
    finish();
    res.end();
  });
  return () => {
    finish();
    res.end();
  };
}
