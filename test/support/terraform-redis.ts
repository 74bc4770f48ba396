/**
 * Offline checks of the module's Memorystore: whichever offering `redis.kind` picks (Memorystore
 * for Redis, Redis Cluster, Valkey), TLS is on, the instance keeps AUTH, exactly one resource
 * exists per kind, the sharded offerings get their Private Service Connect policy, and the
 * functions' Redis settings (URL, mode, WAIT replicas, AUTH secret) follow the chosen kind.
 * Also resolves a function's environment as the module writes it (`merge(local.function_env, {...})`
 * and the AUTH secret as a dynamic block).
 */
import {
  attr,
  block,
  blocks,
  isBody,
  references,
  resources,
  text,
  type Body,
  type Hcl,
  type Resource,
} from './terraform.js';

const FUNCTION = 'google_cloudfunctions2_function';
const POLICY = 'google_network_connectivity_service_connection_policy';

/** Each Memorystore resource type: the kind that creates it and what it must set. */
export const MEMORYSTORE = {
  google_redis_instance: {
    kind: 'instance',
    attributes: { auth_enabled: true, transit_encryption_mode: 'SERVER_AUTHENTICATION' },
  },
  google_redis_cluster: {
    kind: 'cluster',
    attributes: {
      transit_encryption_mode: 'TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION',
      // The functions send no IAM access token (docs/deploy.md, "Worker credentials").
      authorization_mode: 'AUTH_MODE_DISABLED',
    },
  },
  google_memorystore_instance: {
    kind: 'valkey',
    attributes: {
      transit_encryption_mode: 'SERVER_AUTHENTICATION',
      authorization_mode: 'AUTH_DISABLED',
      // REDIS_MODE is cluster for valkey: the instance must be in cluster mode.
      mode: 'CLUSTER',
    },
  },
} as const satisfies Record<string, { kind: string; attributes: Record<string, unknown> }>;

/** The settings the functions take from the module's redis locals, whatever the kind. */
const REDIS_ENV: Readonly<Record<string, string>> = {
  REDIS_URL: '${local.redis_url}',
  REDIS_CA_CERT: '${local.redis_ca_cert}',
  REDIS_MODE: '${local.redis_mode}',
  REDIS_WAIT_REPLICAS: '${local.redis_wait_replicas}',
};

/** `NAME = expression` lines of an inline HCL object, as hcl2json would render the attributes. */
function inlineObject(source: string): Body {
  const out: Record<string, string> = {};
  for (const match of source.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$/gm)) {
    const [, name = '', expression = ''] = match;
    out[name] = /^"[^"]*"$/.test(expression) ? expression.slice(1, -1) : `\${${expression}}`;
  }
  return out;
}

/** The `dynamic "name"` blocks of a body (hcl2json renders `dynamic` as one object of arrays). */
function dynamicBlocks(body: Body | undefined, name: string): Body[] {
  const dynamic = attr(body, 'dynamic');
  return isBody(dynamic) ? blocks(dynamic, name) : [];
}

/** The environment a function sets: plain (a map, or merge(local.x, {...})) and secret keys. */
export function functionEnv(hcl: Hcl, fn: Resource): { plain: Body; secret: string[] } {
  const service = block(fn.body, 'service_config');
  const raw = attr(service, 'environment_variables');
  let plain: Body = isBody(raw) ? raw : {};
  const merged = typeof raw === 'string' ? /^\$\{merge\(local\.(\w+),\s*\{([\s\S]*)\}\)\}$/.exec(raw) : null;
  if (merged) {
    const shared = hcl.locals[merged[1] ?? ''];
    plain = { ...(isBody(shared) ? shared : {}), ...inlineObject(merged[2] ?? '') };
  }
  const dynamic = dynamicBlocks(service, 'secret_environment_variables').flatMap((d) => blocks(d, 'content'));
  const secret = [...blocks(service, 'secret_environment_variables'), ...dynamic].flatMap((s) => {
    const key = text(s, 'key');
    return key ? [key] : [];
  });
  return { plain, secret };
}

function memorystoreResources(hcl: Hcl): string[] {
  const out: string[] = [];
  for (const [type, rule] of Object.entries(MEMORYSTORE)) {
    const found = resources(hcl, type);
    if (found.length !== 1) out.push(`${type}: ${found.length} resources; redis.kind ${rule.kind} needs one`);
    for (const r of found) {
      const count = text(r.body, 'count') ?? '';
      if (!count.includes(`local.redis_kind == "${rule.kind}"`)) {
        out.push(`${r.address}: count does not follow redis.kind == "${rule.kind}"`);
      }
      for (const [name, wanted] of Object.entries(rule.attributes)) {
        const value = attr(r.body, name);
        if (value !== wanted) {
          out.push(
            `${r.address}: ${name} is ${value === undefined ? 'unset' : JSON.stringify(value).replace(/^"|"$/g, '')}, expected ${String(wanted)}`,
          );
        }
      }
      if (rule.kind !== 'instance') out.push(...sharded(r));
    }
  }
  return out;
}

/** A sharded offering: its endpoints on var.network, created after the connection policy. */
function sharded(r: Resource): string[] {
  const out: string[] = [];
  const network =
    r.type === 'google_redis_cluster'
      ? block(r.body, 'psc_configs')
      : block(r.body, 'desired_auto_created_endpoints');
  if (text(network, 'network') !== '${var.network}')
    out.push(`${r.address}: endpoints are not on var.network`);
  if (!references(attr(r.body, 'depends_on'), POLICY).length) {
    out.push(`${r.address}: does not depend on the ${POLICY}`);
  }
  return out;
}

function connectionPolicy(hcl: Hcl): string[] {
  const policies = resources(hcl, POLICY);
  if (policies.length !== 1) return [`${POLICY}: ${policies.length} resources; cluster and valkey need one`];
  const out: string[] = [];
  for (const p of policies) {
    if (text(p.body, 'service_class') !== '${local.redis_service_class}') {
      out.push(`${p.address}: service_class does not follow redis.kind`);
    }
    if (!(text(p.body, 'count') ?? '').includes('local.redis_connection_policy')) {
      out.push(`${p.address}: count does not follow local.redis_connection_policy`);
    }
  }
  return out;
}

/** The endpoint the functions use must come from every kind's resource. */
function endpoints(hcl: Hcl): string[] {
  const expression = hcl.locals.redis_endpoints;
  return Object.keys(MEMORYSTORE)
    .filter((type) => !references(expression, type).includes(`${type}.cache`))
    .map((type) => `local.redis_endpoints: no endpoint from ${type}.cache`);
}

function functionSettings(hcl: Hcl): string[] {
  const out: string[] = [];
  for (const fn of resources(hcl, FUNCTION)) {
    const { plain, secret } = functionEnv(hcl, fn);
    for (const [name, wanted] of Object.entries(REDIS_ENV)) {
      const value = plain[name];
      if (value !== wanted) {
        out.push(
          `${fn.address}: ${name} is ${JSON.stringify(value)}, expected ${wanted} (it follows redis.kind)`,
        );
      }
    }
    if ('REDIS_AUTH' in plain) {
      out.push(`${fn.address}: REDIS_AUTH in plain environment_variables; use secret_environment_variables`);
    }
    const dynamic = dynamicBlocks(block(fn.body, 'service_config'), 'secret_environment_variables');
    const fromVersion = dynamic.some((d) =>
      references(d.for_each, 'google_secret_manager_secret_version').includes(
        'google_secret_manager_secret_version.redis_auth',
      ),
    );
    if (secret.includes('REDIS_AUTH') && !fromVersion) {
      out.push(`${fn.address}: REDIS_AUTH is set for every kind; only kind instance has an AUTH string`);
    }
  }
  return out;
}

/** The module's Memorystore checks; a root that only calls the module (the example) has none. */
export const redisChecks = (hcl: Hcl): string[] =>
  resources(hcl, FUNCTION).length === 0
    ? []
    : [...memorystoreResources(hcl), ...connectionPolicy(hcl), ...endpoints(hcl), ...functionSettings(hcl)];
