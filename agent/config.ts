/**
 * The agent's one validated configuration, read from the environment once at start.
 * `parseAgentConfig(env)` takes the environment as a parameter, so tests need no process state;
 * every error is a ConfigError naming the variable, the value and what is allowed.
 *
 *   PRESCALER_TARGET          product/model/version whose progress this pod reports (required)
 *   POD_NAME                  this pod's name (downward API); default HOSTNAME
 *   REDIS_URL, REDIS_AUTH, REDIS_CA_CERT, PRESCALER_KEY_PREFIX   as for the functions
 *   PRESCALER_AGENT_ROUTES    LISTEN_PORT=UPSTREAM,...  UPSTREAM: http://host:port | h2c://host:port
 *   PRESCALER_AGENT_ADMIN_PORT       /healthz, /metrics, /drain (default 9091)
 *   PRESCALER_AGENT_GRACE_SECONDS    longest wait for in-flight requests after SIGTERM (default 30)
 *   PRESCALER_AGENT_RETRY_SECONDS    how long a count is retried while Redis is down (default 900)
 *   PRESCALER_AGENT_HEARTBEAT_SECONDS  heartbeat TTL (default the contract's 30)
 */
import { ConfigError } from '../shared/errors.js';
import { ENV } from '../shared/config/env.js';
import type { RedisSettings } from '../shared/config/settings.js';
import {
  integerSetting,
  keyPrefixSetting,
  redisUrlSetting,
  TARGET_NAME,
  type Env,
} from '../shared/config/values.js';
import { DEFAULT_HEARTBEAT_SECONDS } from '../shared/redis/progress.js';

export const AGENT_ENV = {
  target: 'PRESCALER_TARGET',
  pod: 'POD_NAME',
  routes: 'PRESCALER_AGENT_ROUTES',
  adminPort: 'PRESCALER_AGENT_ADMIN_PORT',
  graceSeconds: 'PRESCALER_AGENT_GRACE_SECONDS',
  retrySeconds: 'PRESCALER_AGENT_RETRY_SECONDS',
  heartbeatSeconds: 'PRESCALER_AGENT_HEARTBEAT_SECONDS',
} as const;

export const DEFAULT_ADMIN_PORT = 9091;

export const UPSTREAM_PROTOCOLS = ['http', 'h2c'] as const;
export type UpstreamProtocol = (typeof UPSTREAM_PROTOCOLS)[number];

export interface Route {
  readonly listenPort: number;
  readonly protocol: UpstreamProtocol;
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  /** `http://host:port` or `h2c://host:port`, as configured. */
  readonly upstream: string;
}

export interface AgentConfig {
  readonly target: string;
  readonly pod: string;
  readonly redis: RedisSettings;
  readonly keyPrefix: string;
  readonly routes: readonly Route[];
  readonly adminPort: number;
  readonly graceSeconds: number;
  readonly retrySeconds: number;
  readonly heartbeatSeconds: number;
  /** Heartbeat refresh while busy: a third of the TTL, at most every 10 s. */
  readonly refreshSeconds: number;
}

const ROUTES_HINT = `set ${AGENT_ENV.routes} to LISTEN_PORT=UPSTREAM pairs, e.g. 8501=http://127.0.0.1:8511,8500=h2c://127.0.0.1:8510`;

function parseRoute(part: string): Route {
  const match = /^(\d{1,5})=(http|h2c):\/\/([^/:\s]+):(\d{1,5})\/?$/.exec(part.trim());
  if (!match) {
    throw new ConfigError(
      `${AGENT_ENV.routes}: ${JSON.stringify(part)} is not LISTEN_PORT=http://host:port or LISTEN_PORT=h2c://host:port`,
      ROUTES_HINT,
    );
  }
  const [, listen = '', protocol = '', host = '', port = ''] = match;
  for (const [what, value] of [
    ['listen port', listen],
    ['upstream port', port],
  ] as const) {
    const n = Number(value);
    if (n < 1 || n > 65535)
      throw new ConfigError(
        `${AGENT_ENV.routes}: ${what} ${value} in ${JSON.stringify(part)}: must be 1 to 65535`,
        ROUTES_HINT,
      );
  }
  return {
    listenPort: Number(listen),
    protocol: protocol as UpstreamProtocol,
    upstreamHost: host,
    upstreamPort: Number(port),
    upstream: `${protocol}://${host}:${port}`,
  };
}

export function parseRoutes(raw: string | undefined): Route[] {
  if (!raw?.trim()) throw new ConfigError(`${AGENT_ENV.routes} is not set`, ROUTES_HINT);
  const routes = raw
    .split(',')
    .filter((p) => p.trim() !== '')
    .map(parseRoute);
  const seen = new Set<number>();
  for (const route of routes) {
    if (seen.has(route.listenPort))
      throw new ConfigError(
        `${AGENT_ENV.routes}: listen port ${route.listenPort} is given twice`,
        ROUTES_HINT,
      );
    seen.add(route.listenPort);
  }
  return routes;
}

export function parseAgentConfig(env: Env): AgentConfig {
  const target = env[AGENT_ENV.target];
  if (!target || !TARGET_NAME.test(target)) {
    throw new ConfigError(
      `${AGENT_ENV.target} = ${JSON.stringify(target ?? null)}: must be "product/model/version", each part 1-63 letters, digits, ".", "_" or "-"`,
      'set it to the registry name of the target this Deployment serves',
    );
  }
  const pod = env[AGENT_ENV.pod] || env.HOSTNAME;
  if (!pod || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(pod)) {
    throw new ConfigError(
      `${AGENT_ENV.pod} = ${JSON.stringify(pod ?? null)}: must be the pod's name (a DNS-1123 subdomain)`,
      `set ${AGENT_ENV.pod} from the downward API (fieldRef metadata.name), or leave HOSTNAME as Kubernetes sets it`,
    );
  }
  const routes = parseRoutes(env[AGENT_ENV.routes]);
  const adminPort = integerSetting(env, AGENT_ENV.adminPort, DEFAULT_ADMIN_PORT, 0, 65535);
  if (routes.some((r) => r.listenPort === adminPort)) {
    throw new ConfigError(
      `${AGENT_ENV.adminPort} = ${adminPort} is also a listen port of ${AGENT_ENV.routes}`,
      'give the admin endpoints a port of their own',
    );
  }
  const heartbeatSeconds = integerSetting(
    env,
    AGENT_ENV.heartbeatSeconds,
    DEFAULT_HEARTBEAT_SECONDS,
    3,
    3600,
  );
  const password = env[ENV.redisAuth] || undefined;
  const caCert = env[ENV.redisCaCert] || undefined;
  return {
    target,
    pod,
    redis: { url: redisUrlSetting(env), ...(password ? { password } : {}), ...(caCert ? { caCert } : {}) },
    keyPrefix: keyPrefixSetting(env),
    routes,
    adminPort,
    graceSeconds: integerSetting(env, AGENT_ENV.graceSeconds, 30, 0, 86_400),
    retrySeconds: integerSetting(env, AGENT_ENV.retrySeconds, 900, 1, 86_400),
    heartbeatSeconds,
    refreshSeconds: Math.min(10, heartbeatSeconds / 3),
  };
}
