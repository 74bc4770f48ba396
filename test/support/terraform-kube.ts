/**
 * Offline checks of what the Terraform module grants inside the cluster and on the cluster
 * projects: one Role per function holding exactly that function's rules from
 * shared/kube/rbac-rules.ts (no `patch` on deployments/scale, named rules limited by
 * resource_names), each bound to its function's account alone; the admission policy and its
 * binding created and naming both identities; Google IAM on the cluster projects limited to a
 * custom role holding container.clusters.get. Each violation starts with the block's address.
 */
import { FUNCTION_ROLES, ROLE_RULES, type FunctionRole } from '../../shared/kube/rbac-rules.js';
import {
  block,
  blocks,
  isBody,
  references,
  resources,
  strings,
  text,
  type Hcl,
  type Resource,
} from './terraform.js';

type Check = (hcl: Hcl) => string[];

const ROLE = /^kubernetes_role(_v1)?$/;
const BINDING = /^kubernetes_role_binding(_v1)?$/;

/** Account address => the function role it runs (by the function's entry point). */
function accountRoles(hcl: Hcl): Map<string, FunctionRole> {
  const out = new Map<string, FunctionRole>();
  for (const fn of resources(hcl, 'google_cloudfunctions2_function')) {
    const entry = text(block(fn.body, 'build_config'), 'entry_point');
    const account = references(
      block(fn.body, 'service_config')?.service_account_email,
      'google_service_account',
    )[0];
    if (account && FUNCTION_ROLES.includes(entry as FunctionRole)) out.set(account, entry as FunctionRole);
  }
  return out;
}

/** The roles a binding binds (through for_each or role_ref.name). */
function boundRoles(hcl: Hcl, binding: Resource): string[] {
  const types = resources(hcl, (t) => ROLE.test(t)).map((r) => r.type);
  return [...new Set(types)].flatMap((type) =>
    references([binding.body.for_each, block(binding.body, 'role_ref')?.name], type),
  );
}

function ruleKey(groups: readonly string[], kinds: readonly string[]): string {
  return `${groups.join(',')}/${kinds.join(',')}`;
}

function checkRules(role: Resource, fn: FunctionRole): string[] {
  const out: string[] = [];
  const wanted = new Map(ROLE_RULES[fn].map((r) => [ruleKey(r.apiGroups, r.resources), r]));
  const seen = new Set<string>();
  for (const rule of blocks(role.body, 'rule')) {
    const groups = strings(rule.api_groups);
    const kinds = strings(rule.resources);
    const verbs = strings(rule.verbs);
    const key = ruleKey(groups, kinds);
    if ([...groups, ...kinds, ...verbs].includes('*')) {
      out.push(`${role.address}: wildcard "*" in a rule`);
      continue;
    }
    if (kinds.includes('deployments/scale') && verbs.includes('patch')) {
      out.push(`${role.address}: patch on deployments/scale, which nothing uses`);
    }
    const spec = wanted.get(key);
    if (!spec) {
      out.push(
        `${role.address}: grants ${verbs.join(', ')} on ${key}, which the ${fn} function does not use`,
      );
      continue;
    }
    seen.add(key);
    const extra = verbs.filter((v) => !(spec.verbs as readonly string[]).includes(v));
    const missing = spec.verbs.filter((v) => !verbs.includes(v));
    if (extra.length > 0)
      out.push(`${role.address}: verb ${extra.join(', ')} on ${key} is not allowed for ${fn}`);
    if (missing.length > 0) out.push(`${role.address}: missing ${missing.join(', ')} on ${key}`);
    if (spec.named && rule.resource_names === undefined) {
      out.push(
        `${role.address}: rule on ${key} has no resource_names (limit it to the registered Deployments)`,
      );
    }
  }
  for (const key of wanted.keys()) {
    if (!seen.has(key)) out.push(`${role.address}: missing the rule on ${key}`);
  }
  return out;
}

/** One Role per function with exactly its rules, each bound to that function's account alone. */
export const functionRoles: Check = (hcl) => {
  const out: string[] = [];
  for (const r of resources(hcl, (t) => /^kubernetes_cluster_role(_binding)?(_v1)?$/.test(t))) {
    out.push(`${r.address}: cluster-wide RBAC; use a namespaced Role and RoleBinding`);
  }
  const roles = accountRoles(hcl);
  const roleFunctions = new Map<string, Set<FunctionRole>>();
  const accountsBound = new Map<FunctionRole, string[]>();
  for (const binding of resources(hcl, (t) => BINDING.test(t))) {
    const kind = text(block(binding.body, 'role_ref'), 'kind');
    if (kind !== 'Role') out.push(`${binding.address}: role_ref.kind is ${kind ?? 'unset'}, expected Role`);
    const bound = boundRoles(hcl, binding);
    for (const subject of blocks(binding.body, 'subject')) {
      const accounts = references(subject.name, 'google_service_account');
      const fn = accounts.length === 1 ? roles.get(accounts[0] ?? '') : undefined;
      if (text(subject, 'kind') !== 'User' || !fn) {
        out.push(
          `${binding.address}: subject ${String(subject.name)} is not a User named by a function's account`,
        );
        continue;
      }
      accountsBound.set(fn, [...(accountsBound.get(fn) ?? []), binding.address]);
      for (const role of bound) roleFunctions.set(role, (roleFunctions.get(role) ?? new Set()).add(fn));
    }
  }
  for (const role of resources(hcl, (t) => ROLE.test(t))) {
    if ('dynamic' in role.body)
      out.push(`${role.address}: dynamic rule blocks cannot be checked; write rules out`);
    const fns = [...(roleFunctions.get(role.address) ?? [])];
    if (fns.length > 1) {
      out.push(`${role.address}: bound to both ${fns.join(' and ')}; each function needs a Role of its own`);
    } else if (fns.length === 0) {
      out.push(`${role.address}: bound to no function account`);
    }
    const [fn] = fns;
    if (fn) out.push(...checkRules(role, fn));
  }
  for (const fn of FUNCTION_ROLES) {
    if (!accountsBound.has(fn) && roles.size > 0)
      out.push(`kubernetes_role_binding_v1: the ${fn} account is not bound`);
  }
  return out;
};

function manifests(hcl: Hcl, local: string): Resource[] {
  return resources(hcl, 'kubernetes_manifest').filter((r) =>
    new RegExp(`\\$\\{local\\.${local}\\}`).test(String(r.body.manifest)),
  );
}

/** The admission policy and its binding exist, match pod updates and name both identities. */
export const admissionPolicy: Check = (hcl) => {
  const out: string[] = [];
  // Where the configuration creates Roles for the functions, it creates the policy too.
  if (resources(hcl, (t) => ROLE.test(t)).length === 0) return out;
  const policy = hcl.locals.admission_policy;
  const binding = hcl.locals.admission_policy_binding;
  if (!isBody(policy) || policy.kind !== 'ValidatingAdmissionPolicy') {
    return ['local.admission_policy: no ValidatingAdmissionPolicy'];
  }
  if (manifests(hcl, 'admission_policy').length === 0)
    out.push('local.admission_policy: no kubernetes_manifest creates it');
  const spec = isBody(policy.spec) ? policy.spec : {};
  const rules = isBody(spec.matchConstraints) ? spec.matchConstraints.resourceRules : undefined;
  const podUpdates = (Array.isArray(rules) ? rules : []).some(
    (r) => isBody(r) && strings(r.resources).includes('pods') && strings(r.operations).includes('UPDATE'),
  );
  if (!podUpdates) out.push('local.admission_policy: does not match pod updates');
  const conditions = JSON.stringify(spec.matchConditions ?? []);
  for (const fn of FUNCTION_ROLES) {
    const named =
      conditions.includes(`local.function_users.${fn}`) ||
      conditions.includes(`google_service_account.${fn}.email`);
    if (!named) out.push(`local.admission_policy: matchConditions do not name the ${fn} identity`);
  }
  if (!Array.isArray(spec.validations) || spec.validations.length === 0) {
    out.push('local.admission_policy: no validations');
  }
  if (!isBody(binding) || binding.kind !== 'ValidatingAdmissionPolicyBinding') {
    out.push('local.admission_policy_binding: no ValidatingAdmissionPolicyBinding');
    return out;
  }
  if (manifests(hcl, 'admission_policy_binding').length === 0) {
    out.push('local.admission_policy_binding: no kubernetes_manifest creates it');
  }
  const bindingSpec = isBody(binding.spec) ? binding.spec : {};
  const policyName = isBody(policy.metadata) ? policy.metadata.name : undefined;
  if (bindingSpec.policyName !== policyName) {
    out.push(
      `local.admission_policy_binding: policyName ${String(bindingSpec.policyName)} is not the policy's name`,
    );
  }
  if (!strings(bindingSpec.validationActions).includes('Deny')) {
    out.push('local.admission_policy_binding: validationActions do not include Deny');
  }
  return out;
};

/** Project-level grants only of this module's custom roles, holding container.clusters.get alone. */
export const clusterProjectIam: Check = (hcl) => {
  const out: string[] = [];
  const custom = new Map(resources(hcl, 'google_project_iam_custom_role').map((r) => [r.address, r]));
  for (const r of custom.values()) {
    const extra = strings(r.body.permissions).filter((p) => p !== 'container.clusters.get');
    if (extra.length > 0)
      out.push(`${r.address}: permissions ${extra.join(', ')} beyond container.clusters.get`);
  }
  for (const r of resources(hcl, (t) =>
    /^google_(project|folder|organization)_iam_(member|binding)$/.test(t),
  )) {
    const role = text(r.body, 'role') ?? '';
    const roleRefs = references(role, 'google_project_iam_custom_role');
    if (roleRefs.length === 1 && custom.has(roleRefs[0] ?? '')) continue;
    out.push(
      `${r.address}: ${role} granted on a whole project/folder/org; only container.clusters.get may be`,
    );
  }
  return out;
};
