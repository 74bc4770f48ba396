/**
 * Authentication and authorization: bearer tokens name users; each user has RBAC-like rules
 * (apiGroups × resources × verbs, optionally limited to namespaces and resourceNames), matched the
 * way the RBAC authorizer matches a PolicyRule (`*` wildcards, a resource `*` followed by `/scale` for
 * any scale subresource, resourceNames never matching a list or create). A forbidden request gets the
 * authorizer's sentence ("User \"u\" cannot patch resource \"deployments/scale\" in API group
 * \"apps\" in the namespace \"ns\"").
 *
 * The rules file (`--rbac FILE`, YAML or JSON):
 *
 *   users:
 *     - name: prescaler@my-project.iam.gserviceaccount.com
 *       token: prescaler-token
 *       rules:
 *         - apiGroups: ["apps"]
 *           resources: ["deployments/scale"]
 *           verbs: ["get", "update", "patch"]
 *           namespaces: ["tf-serving"]          # omitted = every namespace and cluster scope
 *         - apiGroups: [""]
 *           resources: ["pods"]
 *           verbs: ["list", "patch"]
 *           resourceNames: ["only-this-pod"]    # optional; for requests that name an object
 */
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const verbs = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
] as const;
export type Verb = (typeof verbs)[number];

export interface Rule {
  readonly apiGroups: readonly string[];
  /** `deployments`, `deployments/scale`, `pods`, or wildcards: `*`, or `*` + `/scale`. */
  readonly resources: readonly string[];
  readonly verbs: readonly (Verb | '*')[];
  /** Omitted: every namespace, and cluster-scoped requests (lists across namespaces). */
  readonly namespaces?: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface UserSpec {
  readonly name: string;
  readonly token: string;
  readonly rules: readonly Rule[];
}

/** What a request asks to do, in the authorizer's terms (apiserver RequestInfo). */
export interface Attributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  /** Empty for cluster-scoped requests. */
  readonly namespace: string;
  /** Empty for lists and creates. */
  readonly name: string;
}

/** Every right on everything: the rules of the built-in admin user. */
export const allRights: readonly Rule[] = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];

export const adminUser = 'admin';

const ruleSchema = z.strictObject({
  apiGroups: z.array(z.string()).min(1, { error: 'must list at least one API group ("" is the core group)' }),
  resources: z.array(z.string().min(1)).min(1, { error: 'must list at least one resource' }),
  verbs: z.array(z.enum([...verbs, '*'])).min(1, { error: 'must list at least one verb' }),
  namespaces: z.array(z.string().min(1)).optional(),
  resourceNames: z.array(z.string().min(1)).optional(),
});

const fileSchema = z.strictObject({
  users: z.array(
    z.strictObject({
      name: z.string().min(1, { error: 'must be a user name' }),
      token: z.string().min(8, { error: 'must be a token of at least 8 characters' }),
      rules: z.array(ruleSchema),
    }),
  ),
});

export class RbacFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RbacFileError';
  }
}

/** Parses and validates a rules file; errors name the key path and what was wrong. */
export function parseRbac(text: string): UserSpec[] {
  let data: unknown;
  try {
    data = parseYaml(text) as unknown;
  } catch (error) {
    throw new RbacFileError(`rbac file is not YAML or JSON: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      return `rbac${path}: ${issue.message}`;
    });
    throw new RbacFileError(problems.join('; '));
  }
  const seen = new Set<string>();
  for (const user of result.data.users) {
    if (seen.has(user.token)) throw new RbacFileError(`rbac: token of user "${user.name}" is used twice`);
    seen.add(user.token);
  }
  return result.data.users;
}

const has = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

/** `rbac.ResourceMatches`. */
function resourceMatches(rule: Rule, resource: string, subresource: string): boolean {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  for (const r of rule.resources) {
    if (r === '*' || r === combined) return true;
    if (subresource !== '' && r === `*/${subresource}`) return true;
  }
  return false;
}

export function ruleAllows(rule: Rule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.group)) return false;
  if (!resourceMatches(rule, a.resource, a.subresource)) return false;
  if (rule.namespaces !== undefined && (a.namespace === '' || !has(rule.namespaces, a.namespace)))
    return false;
  if (
    rule.resourceNames !== undefined &&
    rule.resourceNames.length > 0 &&
    !rule.resourceNames.includes(a.name)
  ) {
    return false;
  }
  return true;
}

/** The authorizer's reason, as apiserver's `forbiddenMessage` words it. */
export function forbiddenReason(user: string, a: Attributes): string {
  const resource = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  const scope = a.namespace === '' ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`;
}

/** Users, their tokens and their rules. */
export class Authorizer {
  private readonly byToken = new Map<string, string>();
  private readonly rules = new Map<string, Rule[]>();
  private readonly tokens = new Map<string, string>();

  /** Adds rules to a user (creating it); returns the user's token, minting one if none is given. */
  addUser(name: string, rules: readonly Rule[], token?: string): string {
    const existing = this.tokens.get(name);
    const chosen =
      token ??
      existing ??
      `${name.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}-${randomBytes(16).toString('hex')}`;
    const holder = this.byToken.get(chosen);
    if (holder !== undefined && holder !== name) throw new Error(`token is already held by user "${holder}"`);
    if (existing !== undefined && existing !== chosen) this.byToken.delete(existing);
    this.byToken.set(chosen, name);
    this.tokens.set(name, chosen);
    this.rules.set(name, [...(this.rules.get(name) ?? []), ...rules]);
    return chosen;
  }

  addUsers(specs: readonly UserSpec[]): void {
    for (const spec of specs) this.addUser(spec.name, spec.rules, spec.token);
  }

  /** The user a bearer token belongs to, or undefined. */
  authenticate(token: string): string | undefined {
    return this.byToken.get(token);
  }

  tokenOf(user: string): string | undefined {
    return this.tokens.get(user);
  }

  get users(): string[] {
    return [...this.tokens.keys()];
  }

  allows(user: string, a: Attributes): boolean {
    return (this.rules.get(user) ?? []).some((rule) => ruleAllows(rule, a));
  }
}
