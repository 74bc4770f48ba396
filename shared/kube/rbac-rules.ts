/**
 * The Kubernetes RBAC each function needs in a target namespace, defined once. The Terraform
 * module writes the same rules out in terraform/rbac.tf (a unit test compares them), and the
 * local stack grants them to its two function users. Each verb is there because a call in
 * shared/kube/client-node-api.ts makes it:
 *
 *   prescale   apps deployments/scale       get, update  readScale, writeScale (scale up)
 *   reconcile  apps deployments/scale       get, update  readScale, writeScale (scale in)
 *              apps deployments             get          readDeployment (pause, rollout, grace)
 *              apps replicasets             list         listReplicaSets (rollout-aware scale-in)
 *              core pods                    list, patch  listPods, annotatePod
 *              autoscaling horizontalpodautoscalers get, list  detect another autoscaler
 *              keda.sh scaledobjects        get, list    detect another autoscaler
 *
 * Nothing patches deployments/scale, and nothing creates or deletes. Rules marked `named` are
 * limited to the registered Deployments by resourceNames; a list cannot be limited by name, so
 * the ReplicaSet, pod and autoscaler rules cover the namespace. What a pod patch may change is narrowed
 * further by the admission policy (shared/kube/admission-policy.ts).
 */

export type FunctionRole = 'prescale' | 'reconcile';
export const FUNCTION_ROLES: readonly FunctionRole[] = ['prescale', 'reconcile'];

/** The verbs the functions use (a subset of the authorizer's). */
export type UsedVerb = 'get' | 'list' | 'update' | 'patch';

export interface RuleSpec {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly UsedVerb[];
  /** Limited to the registered Deployments of the namespace (resourceNames). */
  readonly named: boolean;
}

const scale: RuleSpec = {
  apiGroups: ['apps'],
  resources: ['deployments/scale'],
  verbs: ['get', 'update'],
  named: true,
};

export const ROLE_RULES: Readonly<Record<FunctionRole, readonly RuleSpec[]>> = {
  prescale: [scale],
  reconcile: [
    scale,
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'], named: true },
    { apiGroups: [''], resources: ['pods'], verbs: ['list', 'patch'], named: false },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'], named: false },
    {
      apiGroups: ['autoscaling'],
      resources: ['horizontalpodautoscalers'],
      verbs: ['get', 'list'],
      named: false,
    },
    { apiGroups: ['keda.sh'], resources: ['scaledobjects'], verbs: ['get', 'list'], named: false },
  ],
};

/** A Kubernetes PolicyRule (rbac.authorization.k8s.io/v1). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: UsedVerb[];
  resourceNames?: string[];
}

/** The rules of one function's Role in a namespace holding `deployments`. */
export function roleRules(role: FunctionRole, deployments: readonly string[]): PolicyRule[] {
  const names = [...new Set(deployments)].sort();
  return ROLE_RULES[role].map((rule) => ({
    apiGroups: [...rule.apiGroups],
    resources: [...rule.resources],
    verbs: [...rule.verbs],
    ...(rule.named ? { resourceNames: names } : {}),
  }));
}

/** Namespace => the registered Deployments in it, sorted (what terraform's local.namespaces holds). */
export function deploymentsByNamespace(
  targets: ReadonlyArray<{ readonly namespace: string; readonly deployment: string }>,
): Map<string, string[]> {
  const byNamespace = new Map<string, string[]>();
  for (const t of targets)
    byNamespace.set(t.namespace, [...(byNamespace.get(t.namespace) ?? []), t.deployment]);
  for (const [ns, names] of byNamespace) byNamespace.set(ns, [...new Set(names)].sort());
  return byNamespace;
}
