/**
 * The target registry: which Deployments prescaler may scale, and how. Loaded once per process,
 * validated whole; every error names the target, the key, the value and the allowed range.
 * Events can only name a registered target, never a namespace or Deployment of their own.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeIssue, intRange } from './validation.js';
import { TARGET_NAME } from './values.js';

export { TARGET_NAME };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const MAX_REPLICAS_LIMIT = 10_000;
const DAY = 86_400;

const gkeCluster = z.strictObject({
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
    error: 'must be a Google Cloud project id (6-30 lowercase letters, digits, hyphens)',
  }),
  location: z.string().regex(/^[a-z]+-[a-z]+[0-9]+(-[a-z])?$/, {
    error: 'must be a region or zone such as europe-west1 or europe-west1-b',
  }),
  name: z
    .string()
    .regex(DNS_LABEL, { error: 'must be a GKE cluster name (lowercase letters, digits, hyphens)' }),
});

const kubeconfigCluster = z.strictObject({
  kubeconfig: z.string().min(1, { error: 'must be the path of a kubeconfig file' }),
  context: z.string().min(1).optional(),
});

const scaleInPolicy = z.strictObject({
  type: z.enum(['Pods', 'Percent'], { error: 'must be "Pods" or "Percent"' }),
  value: intRange(1, MAX_REPLICAS_LIMIT),
  periodSeconds: intRange(1, 1800),
});

const scaleIn = z.strictObject({
  /** Scale-in follows the highest desired count of this many past seconds (HPA: 300). */
  stabilizationSeconds: intRange(0, 3600).default(60),
  /** How fast replicas may be removed, like HPA's behavior.scaleDown.policies. */
  policies: z
    .array(scaleInPolicy)
    .min(1, { error: 'must list at least one policy' })
    .default([{ type: 'Percent', value: 50, periodSeconds: 30 }]),
  /** `Max` picks the policy allowing the largest change, `Min` the smallest; `Disabled` never scales in. */
  selectPolicy: z
    .enum(['Max', 'Min', 'Disabled'], { error: 'must be "Max", "Min" or "Disabled"' })
    .default('Max'),
  /** A batch without progress for this long is expired, so capacity cannot stay up forever. */
  staleSeconds: intRange(30, 7 * DAY).default(900),
});

const target = z
  .strictObject({
    cluster: z.union([gkeCluster, kubeconfigCluster], {
      error: 'must be {project, location, name} for GKE or {kubeconfig, context?} for a kubeconfig',
    }),
    namespace: z.string().regex(DNS_LABEL, { error: 'must be a Kubernetes namespace name (DNS-1123 label)' }),
    deployment: z
      .string()
      .regex(DNS_SUBDOMAIN, { error: 'must be a Kubernetes Deployment name (DNS-1123 subdomain)' }),
    imagesPerReplica: intRange(1, 10_000),
    minReplicas: intRange(0, MAX_REPLICAS_LIMIT).default(0),
    maxReplicas: intRange(1, MAX_REPLICAS_LIMIT),
    startupSeconds: intRange(0, 3600).optional(),
    secondsPerImage: z
      .number({ error: 'must be a number from 0.001 to 86400' })
      .min(0.001, { error: 'must be a number from 0.001 to 86400' })
      .max(DAY, { error: 'must be a number from 0.001 to 86400' })
      .optional(),
    scaleIn: scaleIn.default(() => scaleIn.parse({})),
  })
  .check((ctx) => {
    if (ctx.value.minReplicas > ctx.value.maxReplicas) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value.minReplicas,
        path: ['minReplicas'],
        message: `must not exceed maxReplicas (${ctx.value.maxReplicas})`,
      });
    }
  });

const registrySchema = z.strictObject({
  targets: z.record(z.string(), target).refine((targets) => Object.keys(targets).length > 0, {
    error: 'must register at least one target',
  }),
});

export type ScaleInPolicy = z.infer<typeof scaleInPolicy>;
export type ScaleInSettings = z.infer<typeof scaleIn>;
export type GkeCluster = z.infer<typeof gkeCluster>;
export type KubeconfigCluster = z.infer<typeof kubeconfigCluster>;
export type ClusterRef = GkeCluster | KubeconfigCluster;
export type TargetSpec = z.infer<typeof target> & { readonly name: string };
export type RegistryInput = z.input<typeof registrySchema>;

export function isGkeCluster(cluster: ClusterRef): cluster is GkeCluster {
  return 'project' in cluster;
}

export class Registry {
  private readonly byName: ReadonlyMap<string, TargetSpec>;

  constructor(targets: readonly TargetSpec[]) {
    this.byName = new Map(targets.map((t) => [t.name, t]));
  }

  get(name: string): TargetSpec | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get targets(): TargetSpec[] {
    return [...this.byName.values()];
  }

  get size(): number {
    return this.byName.size;
  }
}

/**
 * Two targets on one Deployment (same cluster, namespace and name) would fight over its replica
 * count, each scaling in what the other's work needs: one problem per Deployment named twice.
 */
function sharedDeployments(targets: Record<string, z.infer<typeof target>>): string[] {
  const byDeployment = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(targets)) {
    const key = JSON.stringify([spec.cluster, spec.namespace, spec.deployment]);
    byDeployment.set(key, [...(byDeployment.get(key) ?? []), name]);
  }
  return [...byDeployment.values()]
    .filter((names) => names.length > 1)
    .map((names) => {
      const spec = targets[names[0] as string] as z.infer<typeof target>;
      return `targets ${names.map((n) => `"${n}"`).join(' and ')} scale the same Deployment ${spec.namespace}/${spec.deployment} on the same cluster; register each Deployment once (they would fight over its replicas)`;
    });
}

/** Validates a parsed registry document. Throws ConfigError listing every problem found. */
export function parseRegistry(input: unknown): Registry {
  const problems: string[] = [];
  if (input !== null && typeof input === 'object' && 'targets' in input) {
    const targets = input.targets;
    if (targets !== null && typeof targets === 'object') {
      for (const name of Object.keys(targets)) {
        if (!TARGET_NAME.test(name)) {
          problems.push(
            `target "${name}": the name must be "product/model/version", each part 1-63 letters, digits, ".", "_" or "-"`,
          );
        }
      }
    }
  }
  const result = registrySchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [first, name, ...rest] = issue.path;
      if (first === 'targets' && name !== undefined) {
        problems.push(`target "${String(name)}": ${describeIssue(issue, rest)}`);
      } else {
        problems.push(`registry: ${describeIssue(issue)}`);
      }
    }
  }
  if (result.success) problems.push(...sharedDeployments(result.data.targets));
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(
      `invalid target registry: ${problems.join('; ')}`,
      'fix the registry (PRESCALER_TARGETS or PRESCALER_TARGETS_FILE; in Terraform the `targets` variable) and redeploy',
    );
  }
  return new Registry(Object.entries(result.data.targets).map(([name, spec]) => ({ ...spec, name })));
}

/** Parses registry JSON text; `source` names where it came from in error messages. */
export function parseRegistryJson(text: string, source: string): Registry {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${source} is not valid JSON: ${(error as Error).message}`,
      'the registry must be a JSON object {"targets": {"product/model/version": {...}}}',
    );
  }
  return parseRegistry(input);
}
