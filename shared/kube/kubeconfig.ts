/**
 * client-node's KubeConfig as cluster.ts uses it: one keep-alive connection pool per KubeConfig,
 * and the Scale endpoint (server, CA, client certificate, headers) of a kubeconfig with fixed
 * credentials. A module of its own, imported on first use, with a named import so the bundle
 * carries KubeConfig's part of client-node here and the API classes only with
 * client-node-api.ts: reading a kubeconfig then loads about a third of the library.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import type { ScaleEndpoint } from './scale-http.js';

/** client-node's private per-request dispatcher factory (undici). */
type DispatcherFactory = (cluster: unknown, options: Record<string, unknown>) => object | undefined;

/**
 * A KubeConfig whose requests share one keep-alive undici dispatcher. client-node 2 builds a new
 * dispatcher for every request, so each call would open a new connection and pay a fresh TLS
 * handshake (about 2 ms of CPU, plus round trips); reconcile makes a thousand calls a pass, and
 * the connection a warm-up opens is only worth something if the first event reuses it.
 */
export function pooledKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  const patched = kc as unknown as { createDispatcher: DispatcherFactory };
  const base = patched.createDispatcher.bind(kc);
  let dispatcher: { value: object | undefined } | undefined;
  patched.createDispatcher = (cluster, options) => (dispatcher ??= { value: base(cluster, options) }).value;
  return kc;
}

/**
 * The Scale endpoint of a kubeconfig whose credentials are fixed (a bearer token, a client
 * certificate), as client-node resolves them; undefined when client-node must make them per call
 * (exec plugins, auth providers, basic auth) or route them (a proxy): then it makes every call.
 */
export async function kubeconfigEndpoint(
  kc: KubeConfig,
  timeoutMs: number | undefined,
): Promise<ScaleEndpoint | undefined> {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user || user.exec || user.authProvider || user.username || cluster.proxyUrl)
    return undefined;
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name] = String(value);
  return {
    server: cluster.server,
    ca: options.ca as string | Buffer | undefined,
    cert: options.cert as string | Buffer | undefined,
    key: options.key as string | Buffer | undefined,
    rejectUnauthorized: options.rejectUnauthorized,
    servername: options.servername,
    headers,
    timeoutMs,
  };
}
