/**
 * Cluster access: turns a target's cluster reference into a ScaleApi. For GKE it takes the
 * production path: @google-cloud/container getCluster for the endpoint and CA, a
 * google-auth-library access token (cached until five minutes before it expires). For local use a
 * kubeconfig file: read with js-yaml alone when its credentials are fixed (kubeconfig-file.ts),
 * else by @kubernetes/client-node. The Scale read and write go over Node's own
 * https (scale-http.ts); every other call goes through client-node, which on the GKE path is
 * not even loaded until one is made. Heavy clients are imported on first use so a function's
 * cold start does not pay for paths it never takes.
 */
import type { ClusterManagerClient } from '@google-cloud/container';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { isGkeCluster, type ClusterRef, type GkeCluster } from '../config/registry.js';
import { KubeApiError } from '../errors.js';
import type { ScaleApi } from './scale-api.js';
import { fixedKubeconfigEndpoint } from './kubeconfig-file.js';
import { HttpScaleApi, type ScaleEndpoint } from './scale-http.js';

export interface AccessToken {
  readonly token: string;
  readonly expiresAtMs: number;
}

/** Where bearer tokens come from (google-auth-library in production). */
export interface AccessTokenSource {
  getAccessToken(): Promise<AccessToken>;
}

/** The subset of an auth client the token source and ClusterManagerClient use. */
export interface AuthClientLike {
  getAccessToken(): Promise<{ token?: string | null }>;
  credentials?: { expiry_date?: number | null };
}

/** Tokens from a google-auth-library client (GoogleAuth's default client in production). */
export class GoogleTokenSource implements AccessTokenSource {
  constructor(
    private readonly client: () => Promise<AuthClientLike>,
    private readonly clock: Clock,
  ) {}

  static applicationDefault(clock: Clock): GoogleTokenSource {
    let auth: Promise<AuthClientLike> | undefined;
    return new GoogleTokenSource(() => {
      auth ??= import('google-auth-library').then(({ GoogleAuth }) =>
        new GoogleAuth({ scopes: 'https://www.googleapis.com/auth/cloud-platform' }).getClient(),
      );
      return auth;
    }, clock);
  }

  async getAccessToken(): Promise<AccessToken> {
    const client = await this.client();
    const { token } = await client.getAccessToken();
    if (!token)
      throw new KubeApiError(
        undefined,
        'Unauthorized',
        'no Google access token',
        'check the function service account',
      );
    return { token, expiresAtMs: client.credentials?.expiry_date ?? this.clock.now() + 55 * 60_000 };
  }
}

export interface ClusterAccessOptions {
  readonly clock: Clock;
  readonly tokens?: AccessTokenSource;
  /** How long one Kubernetes call may take (default DEFAULT_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  /** Options for ClusterManagerClient (tests point it at a loopback fake). */
  readonly containerOptions?: ConstructorParameters<typeof ClusterManagerClient>[0];
}

export interface ClusterConnector {
  apiFor(cluster: ClusterRef): Promise<ScaleApi>;
}

const REFRESH_BEFORE_MS = 5 * 60_000;

async function clientNodeApi(kc: KubeConfig, timeoutMs: number | undefined): Promise<ScaleApi> {
  const { ClientNodeScaleApi } = await import('./client-node-api.js');
  return ClientNodeScaleApi.fromKubeConfig(kc, timeoutMs);
}

/** The kubeconfig module (client-node's KubeConfig and what is made of it), loaded on first use. */
const kubeconfig = () => import('./kubeconfig.js');

interface CachedApi {
  readonly api: ScaleApi;
  readonly expiresAtMs: number;
}

export class ClusterAccess implements ClusterConnector {
  private readonly cache = new Map<string, Promise<CachedApi>>();
  private readonly tokens: AccessTokenSource;
  private container: Promise<{ getCluster(request: { name: string }): Promise<unknown> }> | undefined;

  constructor(private readonly options: ClusterAccessOptions) {
    this.tokens = options.tokens ?? GoogleTokenSource.applicationDefault(options.clock);
  }

  async apiFor(cluster: ClusterRef): Promise<ScaleApi> {
    const key = JSON.stringify(cluster);
    const now = this.options.clock.now();
    let entry = this.cache.get(key);
    if (entry) {
      const cached = await entry.catch(() => undefined);
      if (cached && cached.expiresAtMs - REFRESH_BEFORE_MS > now) return cached.api;
    }
    entry = isGkeCluster(cluster)
      ? this.connectGke(cluster)
      : this.connectKubeconfig(cluster.kubeconfig, cluster.context);
    this.cache.set(key, entry);
    entry.catch(() => this.cache.delete(key));
    return (await entry).api;
  }

  private async connectKubeconfig(path: string, context?: string): Promise<CachedApi> {
    const timeoutMs = this.options.requestTimeoutMs;
    // client-node's KubeConfig for every call but the Scale ones, loaded only when one is made.
    let loaded: Promise<KubeConfig> | undefined;
    const load = () =>
      (loaded ??= kubeconfig().then(({ pooledKubeConfig }) => {
        const kc = pooledKubeConfig();
        kc.loadFromFile(path);
        if (context) kc.setCurrentContext(context);
        return kc;
      }));
    const rest = async () => clientNodeApi(await load(), timeoutMs);
    const endpoint =
      fixedKubeconfigEndpoint(path, context, timeoutMs) ??
      (await (await kubeconfig()).kubeconfigEndpoint(await load(), timeoutMs));
    return {
      api: endpoint ? new HttpScaleApi(endpoint, rest) : await rest(),
      expiresAtMs: Number.POSITIVE_INFINITY,
    };
  }

  private containerClient() {
    this.container ??= import('@google-cloud/container').then(
      ({ ClusterManagerClient }) =>
        new ClusterManagerClient(this.options.containerOptions ?? {}) as unknown as {
          getCluster(request: { name: string }): Promise<unknown>;
        },
    );
    return this.container;
  }

  private async connectGke(cluster: GkeCluster): Promise<CachedApi> {
    const name = `projects/${cluster.project}/locations/${cluster.location}/clusters/${cluster.name}`;
    let described: { endpoint?: string; masterAuth?: { clusterCaCertificate?: string } };
    try {
      const [response] = (await (await this.containerClient()).getCluster({ name })) as [typeof described];
      described = response;
    } catch (error) {
      const code = (error as { code?: number }).code;
      // gRPC codes: 5 NOT_FOUND, 7 PERMISSION_DENIED; HTTP in REST fallback.
      const status = code === 5 || code === 404 ? 404 : code === 7 || code === 403 ? 403 : undefined;
      throw new KubeApiError(
        status,
        status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : 'Unreachable',
        `get cluster ${name}: ${(error as Error).message}`,
        'check the cluster reference and roles/container.clusterViewer for the function account',
        { cause: error },
      );
    }
    if (!described.endpoint || !described.masterAuth?.clusterCaCertificate) {
      throw new KubeApiError(
        404,
        'NotFound',
        `cluster ${name} has no endpoint or CA`,
        'is the cluster running?',
      );
    }
    const token = await this.tokens.getAccessToken();
    const server = `https://${described.endpoint}`;
    const caData = described.masterAuth.clusterCaCertificate;
    const rest = async () => {
      const kc = (await kubeconfig()).pooledKubeConfig();
      kc.loadFromClusterAndUser(
        { name: cluster.name, server, caData, skipTLSVerify: false },
        { name: 'prescaler', token: token.token },
      );
      return clientNodeApi(kc, this.options.requestTimeoutMs);
    };
    const endpoint: ScaleEndpoint = {
      server,
      ca: Buffer.from(caData, 'base64'),
      headers: { Authorization: `Bearer ${token.token}` },
      timeoutMs: this.options.requestTimeoutMs,
    };
    return { api: new HttpScaleApi(endpoint, rest), expiresAtMs: token.expiresAtMs };
  }
}
