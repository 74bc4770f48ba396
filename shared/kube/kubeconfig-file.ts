/**
 * The Scale endpoint of a kubeconfig file, read with js-yaml alone, for the kubeconfigs whose
 * credentials are fixed: a bearer token or a client certificate, the CA and the client files
 * inline or as files. It reads each field as @kubernetes/client-node does (config_types.ts
 * `newClusters`/`newUsers`/`newContexts`, config.ts `loadFromFile`, `makePathsAbsolute`,
 * `applyHTTPSOptions`, `applyAuthorizationHeader`), so the first event of an instance does not
 * load client-node's KubeConfig (about 2.3 MB of bundled code, mostly undici: 130-180 ms of a
 * cold start). Any other shape (exec plugins, auth providers, basic auth, token files, proxies,
 * skipped TLS verification, a missing entry) gives undefined, and cluster.ts reads the file with
 * client-node as before; a test holds the two readings equal for every shape read here.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';
import type { ScaleEndpoint } from './scale-http.js';

type Fields = Readonly<Record<string, unknown>>;

/** `entries[].<field>` of the entry called `name`, when it is an object. */
function named(entries: unknown, name: unknown, field: string): Fields | undefined {
  if (!Array.isArray(entries) || typeof name !== 'string') return undefined;
  const entry = (entries as Fields[]).find((e) => e !== null && typeof e === 'object' && e.name === name);
  const value = entry?.[field];
  return value !== null && typeof value === 'object' ? (value as Fields) : undefined;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** client-node's `bufferFromFileOrString` with its `makeAbsolutePath`: a file wins over data. */
function material(root: string, file: unknown, data: unknown): Buffer | undefined {
  const path = text(file);
  if (path !== undefined) return readFileSync(isAbsolute(path) ? path : join(root, path));
  const inline = text(data);
  return inline === undefined ? undefined : Buffer.from(inline, 'base64');
}

/** Fields whose presence means client-node must make or route each call. */
const CLUSTER_DYNAMIC = ['proxy-url', 'insecure-skip-tls-verify'] as const;
const USER_DYNAMIC = ['exec', 'auth-provider', 'username', 'password', 'token-file'] as const;

/**
 * The endpoint of `path` (in `context`, else its current context), or undefined when the file
 * is not of a fixed-credential shape read here. Throws only what reading the file throws.
 */
export function fixedKubeconfigEndpoint(
  path: string,
  context: string | undefined,
  timeoutMs: number | undefined,
): ScaleEndpoint | undefined {
  const doc = load(readFileSync(path, 'utf8')) as Fields | null;
  if (doc === null || typeof doc !== 'object') return undefined;
  const ctx = named(doc.contexts, context ?? doc['current-context'], 'context');
  const cluster = named(doc.clusters, ctx?.cluster, 'cluster');
  const user = named(doc.users, ctx?.user, 'user');
  const server = text(cluster?.server);
  if (!cluster || !user || server === undefined) return undefined;
  if (CLUSTER_DYNAMIC.some((f) => cluster[f] !== undefined && cluster[f] !== false)) return undefined;
  if (USER_DYNAMIC.some((f) => user[f] !== undefined && user[f] !== null)) return undefined;
  const root = dirname(path);
  const headers: Record<string, string> = {};
  const impersonate = text(user.as);
  if (impersonate !== undefined) headers['Impersonate-User'] = impersonate;
  const token = text(user.token);
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return {
    server: server.replace(/\/$/, ''),
    ca: material(root, cluster['certificate-authority'], cluster['certificate-authority-data']),
    cert: material(root, user['client-certificate'], user['client-certificate-data']),
    key: material(root, user['client-key'], user['client-key-data']),
    rejectUnauthorized: undefined,
    servername: text(cluster['tls-server-name']),
    headers,
    timeoutMs,
  };
}
