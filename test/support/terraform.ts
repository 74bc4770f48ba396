/**
 * Offline checks on the Terraform module: the HCL is parsed to JSON with @cdktf/hcl2json and
 * searched for the security properties the deployment depends on (who may invoke what, which
 * roles and RBAC verbs are granted, Memorystore (terraform-redis.ts), the scheduler's OIDC token, retries).
 * `checkTerraform(dir)` returns one line per violation, each starting with the address of the
 * offending block (`google_cloud_scheduler_job.reconcile: no oidc_token`), so a test can break a
 * copy of the module on purpose and see the right block named.
 */
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { admissionPolicy, clusterProjectIam, functionRoles } from './terraform-kube.js';
import { redisChecks } from './terraform-redis.js';

/** A block body as hcl2json renders it: attributes as values, nested blocks as arrays of bodies. */
export type Body = Readonly<Record<string, unknown>>;

/** A whole configuration: hcl2json's top-level shape, merged over the files of one directory. */
export interface Hcl {
  readonly resource: Readonly<Record<string, Readonly<Record<string, Body>>>>;
  readonly data: Readonly<Record<string, Readonly<Record<string, Body>>>>;
  readonly variable: Readonly<Record<string, Body>>;
  readonly output: Readonly<Record<string, Body>>;
  readonly module: Readonly<Record<string, Body>>;
  readonly locals: Body;
  /** Blocks declared twice across files (an error Terraform would report). */
  readonly duplicates: readonly string[];
}

export interface Resource {
  readonly type: string;
  readonly name: string;
  readonly address: string;
  readonly body: Body;
}

export function isBody(value: unknown): value is Body {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Parses one HCL file (.tf or .tfvars) to hcl2json's JSON. */
export async function parseHclFile(path: string): Promise<Body> {
  const json: unknown = await parse(path, readFileSync(path, 'utf8'));
  if (!isBody(json)) throw new Error(`${path}: hcl2json returned ${typeof json}`);
  return json;
}

/** Parses and merges the *.tf files of one directory (not its subdirectories), as Terraform does. */
export async function loadTerraform(dir: string): Promise<Hcl> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no .tf files`);
  const resource: Record<string, Record<string, Body>> = {};
  const data: Record<string, Record<string, Body>> = {};
  const variable: Record<string, Body> = {};
  const output: Record<string, Body> = {};
  const module: Record<string, Body> = {};
  const locals: Record<string, unknown> = {};
  const duplicates: string[] = [];

  const addNamed = (into: Record<string, Body>, prefix: string, blocks: unknown): void => {
    if (!isBody(blocks)) return;
    for (const [name, list] of Object.entries(blocks)) {
      const body = Array.isArray(list) ? (list[0] as unknown) : undefined;
      if (!isBody(body)) continue;
      if (name in into) duplicates.push(`${prefix}${name}`);
      into[name] = body;
    }
  };
  const addTyped = (into: Record<string, Record<string, Body>>, prefix: string, types: unknown): void => {
    if (!isBody(types)) return;
    for (const [type, blocks] of Object.entries(types)) {
      addNamed((into[type] ??= {}), `${prefix}${type}.`, blocks);
    }
  };

  for (const file of files) {
    const json = await parseHclFile(join(dir, file));
    addTyped(resource, '', json.resource);
    addTyped(data, 'data.', json.data);
    addNamed(variable, 'variable.', json.variable);
    addNamed(output, 'output.', json.output);
    addNamed(module, 'module.', json.module);
    if (Array.isArray(json.locals)) {
      for (const block of json.locals as unknown[]) {
        if (!isBody(block)) continue;
        for (const [key, value] of Object.entries(block)) {
          if (key in locals) duplicates.push(`local.${key}`);
          locals[key] = value;
        }
      }
    }
  }
  return { resource, data, variable, output, module, locals, duplicates };
}

export function resources(hcl: Hcl, type?: string | ((type: string) => boolean)): Resource[] {
  const wanted = (t: string): boolean =>
    type === undefined ? true : typeof type === 'string' ? t === type : type(t);
  return Object.entries(hcl.resource)
    .filter(([t]) => wanted(t))
    .flatMap(([t, named]) =>
      Object.entries(named).map(([name, body]) => ({ type: t, name, address: `${t}.${name}`, body })),
    );
}

/** The nested blocks `key` of a body (hcl2json renders each block kind as an array of bodies). */
export function blocks(body: Body | undefined, key: string): Body[] {
  const value = body?.[key];
  return Array.isArray(value) ? value.filter(isBody) : [];
}

export function block(body: Body | undefined, key: string): Body | undefined {
  return blocks(body, key)[0];
}

export function attr(body: Body | undefined, key: string): unknown {
  return body?.[key];
}

export function text(body: Body | undefined, key: string): string | undefined {
  const value = body?.[key];
  return typeof value === 'string' ? value : undefined;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Every string anywhere inside a value. */
function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (isBody(value)) for (const v of Object.values(value)) allStrings(v, out);
  return out;
}

/** Addresses of resources of `type` an expression refers to: `google_service_account.x`. */
export function references(expression: unknown, type: string): string[] {
  const found = new Set<string>();
  for (const s of allStrings(expression)) {
    for (const match of s.matchAll(new RegExp(`\\b${type}\\.([A-Za-z0-9_-]+)\\b`, 'g'))) {
      found.add(`${type}.${match[1] ?? ''}`);
    }
  }
  return [...found];
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

const ACCOUNT = 'google_service_account';
const FUNCTION = 'google_cloudfunctions2_function';
const PUBLIC_PRINCIPALS = ['allUsers', 'allAuthenticatedUsers'];
const PRIMITIVE_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'];
const BROAD_CONTAINER_ROLES = [
  'roles/container.clusterViewer',
  'roles/container.viewer',
  'roles/container.admin',
  'roles/container.clusterAdmin',
  'roles/container.developer',
];
const INVOKER_ROLES = ['roles/run.invoker', 'roles/cloudfunctions.invoker'];
/** Resources that grant a role on one Cloud Run service / function. */
const SERVICE_IAM_TYPES = [
  'google_cloud_run_service_iam_member',
  'google_cloud_run_service_iam_binding',
  'google_cloud_run_v2_service_iam_member',
  'google_cloud_run_v2_service_iam_binding',
  'google_cloudfunctions2_function_iam_member',
  'google_cloudfunctions2_function_iam_binding',
];

type Check = (hcl: Hcl) => string[];

/** Principals that would make anything public, in resources, module calls, locals or defaults. */
const noPublicPrincipals: Check = (hcl) => {
  const places: Array<[string, unknown]> = [
    ...resources(hcl).map((r): [string, unknown] => [r.address, r.body]),
    ...Object.entries(hcl.module).map(([n, b]): [string, unknown] => [`module.${n}`, b]),
    ...Object.entries(hcl.locals).map(([n, v]): [string, unknown] => [`local.${n}`, v]),
    ...Object.entries(hcl.variable).map(([n, b]): [string, unknown] => [`variable.${n}`, b.default]),
  ];
  const out: string[] = [];
  for (const [address, value] of places) {
    for (const principal of PUBLIC_PRINCIPALS) {
      if (allStrings(value).some((s) => new RegExp(`\\b${principal}\\b`).test(s))) {
        out.push(`${address}: grants ${principal}`);
      }
    }
  }
  for (const r of resources(hcl)) {
    const disabled = r.body.invoker_iam_disabled;
    if (disabled !== undefined && disabled !== false) {
      out.push(`${r.address}: invoker_iam_disabled turns off authentication`);
    }
  }
  return out;
};

const roleChecks: Check = (hcl) => {
  const out: string[] = [];
  for (const r of resources(hcl, (t) => /_iam_(member|binding|policy)$/.test(t))) {
    if (r.type.endsWith('_iam_policy')) {
      out.push(`${r.address}: authoritative IAM policy; grant single roles with *_iam_member`);
      continue;
    }
    const role = text(r.body, 'role') ?? '';
    if (PRIMITIVE_ROLES.includes(role)) out.push(`${r.address}: primitive role ${role}`);
    if (BROAD_CONTAINER_ROLES.includes(role)) {
      out.push(`${r.address}: ${role} is broader than container.clusters.get`);
    }
  }
  return out;
};

const schedulerOidc: Check = (hcl) => {
  const out: string[] = [];
  for (const job of resources(hcl, 'google_cloud_scheduler_job')) {
    const target = block(job.body, 'http_target');
    if (!target) {
      out.push(`${job.address}: no http_target`);
      continue;
    }
    const method = text(target, 'http_method');
    if (method !== 'POST') out.push(`${job.address}: http_method is ${method ?? 'unset'}, expected POST`);
    const oidc = block(target, 'oidc_token');
    if (!oidc) {
      out.push(`${job.address}: no oidc_token`);
      continue;
    }
    if (references(oidc.service_account_email, ACCOUNT).length !== 1) {
      out.push(`${job.address}: oidc_token.service_account_email is not a service account of this module`);
    }
    if (!text(oidc, 'audience')) out.push(`${job.address}: oidc_token has no audience`);
  }
  return out;
};

interface FunctionFacts {
  readonly fn: Resource;
  readonly account: string | undefined;
  readonly triggerAccount: string | undefined;
  readonly eventDriven: boolean;
}

function functionFacts(hcl: Hcl): FunctionFacts[] {
  return resources(hcl, FUNCTION).map((fn) => {
    const service = block(fn.body, 'service_config');
    const trigger = block(fn.body, 'event_trigger');
    return {
      fn,
      account: references(service?.service_account_email, ACCOUNT)[0],
      triggerAccount: references(trigger?.service_account_email, ACCOUNT)[0],
      eventDriven: trigger !== undefined,
    };
  });
}

const functionAccounts: Check = (hcl) => {
  const out: string[] = [];
  const facts = functionFacts(hcl);
  const owner = new Map<string, string>();
  for (const { fn, account } of facts) {
    if (!account) {
      out.push(`${fn.address}: service_config.service_account_email is not a dedicated service account`);
      continue;
    }
    const other = owner.get(account);
    if (other) out.push(`${fn.address}: shares service account ${account} with ${other}`);
    else owner.set(account, fn.address);
  }
  for (const { fn, triggerAccount, eventDriven } of facts) {
    if (!eventDriven) continue;
    const trigger = block(fn.body, 'event_trigger');
    if (!triggerAccount) out.push(`${fn.address}: event_trigger has no service account of its own`);
    else if (owner.has(triggerAccount)) {
      out.push(`${fn.address}: event_trigger runs as ${triggerAccount}, a function's runtime account`);
    }
    const retry = text(trigger, 'retry_policy');
    if (retry !== 'RETRY_POLICY_RETRY') {
      out.push(
        `${fn.address}: event_trigger retry_policy is ${retry ?? 'unset'}, expected RETRY_POLICY_RETRY`,
      );
    }
  }
  return out;
};

/** Who may invoke each function: the scheduler's account for HTTP ones, the trigger's for events. */
const invokers: Check = (hcl) => {
  const out: string[] = [];
  const facts = functionFacts(hcl);
  const schedulerAccounts = new Set(
    resources(hcl, 'google_cloud_scheduler_job').flatMap((job) =>
      references(block(block(job.body, 'http_target'), 'oidc_token')?.service_account_email, ACCOUNT),
    ),
  );
  const granted = new Map<string, Set<string>>();
  for (const r of resources(hcl, (t) => SERVICE_IAM_TYPES.includes(t))) {
    const role = text(r.body, 'role') ?? '';
    if (!INVOKER_ROLES.includes(role)) continue;
    const targets = references([r.body.service, r.body.name, r.body.cloud_function], FUNCTION);
    const target = facts.find((f) => targets.includes(f.fn.address));
    if (!target) {
      out.push(`${r.address}: grants ${role} on a service that is not one of this module's functions`);
      continue;
    }
    const members = r.type.endsWith('_binding') ? strings(r.body.members) : [text(r.body, 'member') ?? ''];
    const allowed = target.eventDriven
      ? new Set(target.triggerAccount ? [target.triggerAccount] : [])
      : schedulerAccounts;
    for (const member of members) {
      const accounts = references(member, ACCOUNT);
      const ok = accounts.length === 1 && accounts.every((a) => allowed.has(a));
      if (!ok) {
        const who = target.eventDriven ? "the event trigger's account" : "the scheduler's account";
        out.push(
          `${r.address}: grants ${role} on ${target.fn.address} to ${member}; only ${who} may invoke it`,
        );
      } else {
        for (const a of accounts) addTo(granted, target.fn.address, a);
      }
    }
  }
  for (const { fn, eventDriven } of facts) {
    if (eventDriven) continue;
    const holders = granted.get(fn.address);
    if (!holders || ![...schedulerAccounts].some((a) => holders.has(a))) {
      out.push(`${fn.address}: no roles/run.invoker binding for the scheduler's account`);
    }
  }
  return out;
};

const variables: Check = (hcl) => {
  const out: string[] = [];
  for (const [name, body] of Object.entries(hcl.variable)) {
    if (!text(body, 'type')) out.push(`variable.${name}: no type`);
    if (!text(body, 'description')?.trim()) out.push(`variable.${name}: no description`);
  }
  return out;
};

/** A function, so that terraform-kube.ts (which imports this module) has loaded when it runs. */
const CHECKS = (): readonly Check[] => [
  noPublicPrincipals,
  roleChecks,
  schedulerOidc,
  functionAccounts,
  invokers,
  functionRoles,
  admissionPolicy,
  clusterProjectIam,
  redisChecks,
  variables,
  (hcl) => hcl.duplicates.map((address) => `${address}: declared more than once`),
];

/** All violations in the configuration in `dir`, each "address: what is wrong". */
export async function checkTerraform(dir: string): Promise<string[]> {
  const hcl = await loadTerraform(dir);
  return CHECKS().flatMap((check) => check(hcl));
}

/** The registry as the module renders it (registry.tf): jsonencode({ targets = ... }), unset optionals dropped. */
export function renderRegistry(targets: unknown): unknown {
  const dropNulls = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(dropNulls);
    if (isBody(value)) {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => [k, dropNulls(v)]),
      );
    }
    return value;
  };
  return JSON.parse(JSON.stringify({ targets: dropNulls(targets) })) as unknown;
}

/** Path of an executable on PATH, or undefined. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Environment for running terraform in tests: no user CLI config, no version check calls. */
export function terraformEnv(): NodeJS.ProcessEnv {
  return { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
}
