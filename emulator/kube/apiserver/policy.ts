/**
 * The ValidatingAdmissionPolicy admission plugin
 * (staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating): policies
 * (admissionregistration.k8s.io/v1) with their bindings, evaluated with a CEL evaluator
 * (@marcbachmann/cel-js) over `object`, `oldObject`, `request`, `params` (null) and `variables`.
 * A policy applies when its matchConstraints.resourceRules match the write and every
 * matchCondition is true; each binding with `Deny` then rejects the write when a validation is
 * not true, as dispatcher.go does: 422 `Invalid` (or the validation's reason), message
 * `pods "p" is forbidden: ValidatingAdmissionPolicy 'P' with binding 'B' denied request: MSG`, the
 * same sentence as the one cause. MSG is the validation's message, else
 * `failed expression: EXPR`; an expression that fails to evaluate gives
 * `expression 'EXPR' resulted in error: ...` and denies under failurePolicy Fail (validator.go).
 *
 * Kubernetes' CEL libraries beyond the standard macros (`has`, `all`, `exists`, `map`, `filter`)
 * and `in` (regex, quantity, url, lists extensions, authorizer) are not provided; a policy using
 * them is refused when it is added, naming the expression.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.js';
import { ApiError, forbidden } from './errors.js';

export interface NamedExpression {
  readonly name: string;
  readonly expression: string;
}

export interface Validation {
  readonly expression: string;
  readonly message?: string;
  readonly reason?: string;
}

export interface ResourceRule {
  readonly apiGroups?: readonly string[];
  readonly apiVersions?: readonly string[];
  readonly operations?: readonly string[];
  readonly resources?: readonly string[];
}

/** An admissionregistration.k8s.io/v1 object of kind K: a policy or a binding. */
interface AdmissionRegistrationObject<K extends string, S> {
  readonly apiVersion: 'admissionregistration.k8s.io/v1';
  readonly kind: K;
  readonly metadata: { readonly name: string };
  readonly spec: S;
}

export type ValidatingAdmissionPolicy = AdmissionRegistrationObject<
  'ValidatingAdmissionPolicy',
  {
    readonly failurePolicy?: 'Fail' | 'Ignore';
    readonly matchConstraints?: { readonly resourceRules?: readonly ResourceRule[] };
    readonly matchConditions?: readonly NamedExpression[];
    readonly variables?: readonly NamedExpression[];
    readonly validations?: readonly Validation[];
  }
>;

export type ValidatingAdmissionPolicyBinding = AdmissionRegistrationObject<
  'ValidatingAdmissionPolicyBinding',
  {
    readonly policyName: string;
    readonly validationActions: ReadonlyArray<'Deny' | 'Warn' | 'Audit'>;
    readonly matchResources?: { readonly resourceRules?: readonly ResourceRule[] };
  }
>;

type Program = (context: Record<string, unknown>) => unknown;

interface Compiled {
  readonly policy: ValidatingAdmissionPolicy;
  readonly conditions: ReadonlyArray<{ readonly expression: string; readonly run: Program }>;
  readonly variables: ReadonlyArray<{
    readonly name: string;
    readonly expression: string;
    readonly run: Program;
  }>;
  readonly validations: ReadonlyArray<Validation & { readonly run: Program }>;
}

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });

function compile(expression: string, where: string): Program {
  try {
    const program = env.parse(expression);
    return (context) => program(context) as unknown;
  } catch (error) {
    throw new PolicyError(`${where}: compilation failed: ${(error as Error).message}`);
  }
}

/**
 * JSON as CEL sees Kubernetes objects: integers are CEL ints (BigInt), the rest as is. Lists and
 * maps are rebuilt here, so the evaluator recognises them whichever realm made the originals.
 */
function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return Array.from(value as unknown[], toCel);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  return value ?? null;
}

const matches = (list: readonly string[] | undefined, value: string): boolean =>
  list !== undefined && (list.includes('*') || list.includes(value));

/** A rule of matchConstraints (rules.go Matcher): group, version, operation, resource[/sub]. */
function ruleMatches(rule: ResourceRule, a: AdmissionAttributes): boolean {
  if (!matches(rule.apiGroups, a.group) || !matches(rule.apiVersions, a.version)) return false;
  if (!matches(rule.operations, a.operation)) return false;
  const resources = rule.resources ?? [];
  if (a.subresource === '') return resources.includes('*') || resources.includes(a.resource);
  return [`${a.resource}/${a.subresource}`, `*/${a.subresource}`, `${a.resource}/*`, '*/*'].some((r) =>
    resources.includes(r),
  );
}

/** The `request` variable: the AdmissionRequest of the write (cel.CreateAdmissionRequest). */
function admissionRequest(a: AdmissionAttributes): Record<string, unknown> {
  return {
    resource: { group: a.group, version: a.version, resource: a.resource },
    subResource: a.subresource,
    name: a.name,
    namespace: a.namespace,
    operation: a.operation,
    userInfo: { username: a.user, groups: [] },
    dryRun: false,
  };
}

/** Evaluates one expression; an evaluation error becomes the sentence validator.go reports. */
function run(program: Program, expression: string, context: Record<string, unknown>): unknown {
  try {
    return program(context);
  } catch (error) {
    throw new PolicyError(`expression '${expression}' resulted in error: ${(error as Error).message}`);
  }
}

export class ValidatingAdmissionPolicies implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionPolicy';
  private readonly policies = new Map<string, Compiled>();
  private readonly bindings = new Map<string, ValidatingAdmissionPolicyBinding>();

  /** Adds (or replaces) a policy; every expression is compiled now, so a bad one is refused here. */
  addPolicy(policy: ValidatingAdmissionPolicy): void {
    const name = policy.metadata?.name;
    if (!name) throw new PolicyError('ValidatingAdmissionPolicy: metadata.name is required');
    const spec = policy.spec ?? {};
    const at = (field: string, i: number) =>
      `ValidatingAdmissionPolicy "${name}": spec.${field}[${i}].expression`;
    this.policies.set(name, {
      policy,
      conditions: (spec.matchConditions ?? []).map((c, i) => ({
        expression: c.expression,
        run: compile(c.expression, at('matchConditions', i)),
      })),
      variables: (spec.variables ?? []).map((v, i) => ({
        name: v.name,
        expression: v.expression,
        run: compile(v.expression, at('variables', i)),
      })),
      validations: (spec.validations ?? []).map((v, i) => ({
        ...v,
        run: compile(v.expression, at('validations', i)),
      })),
    });
  }

  addBinding(binding: ValidatingAdmissionPolicyBinding): void {
    const name = binding.metadata?.name;
    if (!name) throw new PolicyError('ValidatingAdmissionPolicyBinding: metadata.name is required');
    if (!binding.spec?.policyName) {
      throw new PolicyError(`ValidatingAdmissionPolicyBinding "${name}": spec.policyName is required`);
    }
    this.bindings.set(name, binding);
  }

  validate(a: AdmissionAttributes): void {
    for (const compiled of this.policies.values()) {
      const rules = compiled.policy.spec.matchConstraints?.resourceRules ?? [];
      if (!rules.some((rule) => ruleMatches(rule, a))) continue;
      const bindings = [...this.bindings.values()].filter(
        (b) =>
          b.spec.policyName === compiled.policy.metadata.name &&
          (b.spec.matchResources?.resourceRules === undefined ||
            b.spec.matchResources.resourceRules.some((rule) => ruleMatches(rule, a))),
      );
      if (bindings.length === 0) continue;
      const denial = this.evaluate(compiled, a);
      if (denial === undefined) continue;
      const binding = bindings.find((b) => b.spec.validationActions.includes('Deny'));
      if (binding) throw denied(a, compiled.policy.metadata.name, binding.metadata.name, denial);
    }
  }

  /** The first denial of a policy (message and reason), or undefined when it admits the write. */
  private evaluate(
    compiled: Compiled,
    a: AdmissionAttributes,
  ): { message: string; reason: string } | undefined {
    const failOpen = compiled.policy.spec.failurePolicy === 'Ignore';
    const context: Record<string, unknown> = {
      object: toCel(a.object ?? null),
      oldObject: toCel(a.oldObject ?? null),
      request: toCel(admissionRequest(a)),
      params: null,
      namespaceObject: null,
    };
    const variables: Record<string, unknown> = {};
    for (const v of compiled.variables) {
      let cached: { value: unknown } | undefined;
      Object.defineProperty(variables, v.name, {
        enumerable: true,
        get: () => (cached ??= { value: run(v.run, v.expression, { ...context, variables }) }).value,
      });
    }
    context.variables = variables;
    try {
      for (const condition of compiled.conditions) {
        if (run(condition.run, condition.expression, context) !== true) return undefined;
      }
      for (const validation of compiled.validations) {
        if (run(validation.run, validation.expression, context) === true) continue;
        const message = validation.message?.trim() || `failed expression: ${validation.expression.trim()}`;
        return { message, reason: validation.reason ?? 'Invalid' };
      }
    } catch (error) {
      if (failOpen) return undefined;
      return { message: (error as Error).message, reason: 'Invalid' };
    }
    return undefined;
  }
}

/** dispatcher.go: admission.NewForbidden, then the reason, its code and the one cause. */
function denied(
  a: AdmissionAttributes,
  policy: string,
  binding: string,
  denial: { message: string; reason: string },
): ApiError {
  const message = `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${denial.message}`;
  const base = forbidden({ group: a.group, resource: a.resource }, a.name, message);
  const code = REASON_CODES[denial.reason] ?? 422;
  return new ApiError(code, denial.reason, base.message, { ...base.details, causes: [{ message }] });
}

/** reasonToCode of dispatcher.go. */
const REASON_CODES: Readonly<Record<string, number>> = {
  Forbidden: 403,
  Unauthorized: 401,
  RequestEntityTooLarge: 413,
  Invalid: 422,
};
