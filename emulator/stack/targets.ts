/**
 * The local stack's targets and its time scale. Every duration is written once in real-world
 * seconds (a TF Serving ResNet-101 replica loads its model for 30 s, then takes 5 s per image)
 * and divided by the time scale wherever it is used: the emulator's startup and grace
 * annotations, the registry's startupSeconds, secondsPerImage and scale-in settings, the workers,
 * the heartbeat TTL and the scheduler. With --time-scale 10, 30 s of model load take 3 s.
 *
 * Registry fields are whole seconds with lower bounds (periodSeconds >= 1, staleSeconds >= 30),
 * so scaled values are rounded and kept within those bounds; the workers and the emulator use
 * the exact scaled values.
 */
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import type { RegistryInput } from '../../shared/config/registry.js';
import { deploymentsByNamespace, roleRules, type FunctionRole } from '../../shared/kube/rbac-rules.js';
import { annotations, type Rule } from '../kube/index.js';

/** One target of the stack, in real-world seconds. */
export interface StackTarget {
  readonly name: string;
  /** The emulator's sample manifest it is declared in (file name under emulator/kube/manifests). */
  readonly manifest: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly imagesPerReplica: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly secondsPerImage: number;
}

/** Scale-in settings shared by the stack's targets, in real-world seconds. */
export const SCALE_IN = {
  stabilizationSeconds: 60,
  policy: { type: 'Percent', value: 50, periodSeconds: 30 },
  staleSeconds: 900,
} as const;

/** Cloud Scheduler's period for reconcile, in real-world seconds. */
export const RECONCILE_EVERY_SECONDS = 15;

/** How long a deleted TF Serving pod's agent may drain (its terminationGracePeriodSeconds). */
export const AGENT_GRACE_SECONDS = 60;

/** The heartbeat TTL of the progress contract (`SET ... EX 30`). */
export const HEARTBEAT_TTL_SECONDS = 30;

export const STACK_TARGETS: readonly StackTarget[] = [
  {
    name: 'acme/resnet101/v1',
    manifest: 'tf-serving-resnet101.yaml',
    namespace: 'tf-serving',
    deployment: 'image-classifier-resnet101',
    imagesPerReplica: 1,
    minReplicas: 0,
    maxReplicas: 8,
    secondsPerImage: 5,
  },
  {
    name: 'acme/fasterrcnn/v2',
    manifest: 'torchserve-detector.yaml',
    namespace: 'torchserve',
    deployment: 'object-detector-fasterrcnn',
    imagesPerReplica: 2,
    minReplicas: 1,
    maxReplicas: 6,
    secondsPerImage: 4,
  },
  {
    name: 'acme/thumbnails/v1',
    manifest: 'celery-worker.yaml',
    namespace: 'workers',
    deployment: 'thumbnail-worker',
    imagesPerReplica: 1,
    minReplicas: 0,
    maxReplicas: 6,
    secondsPerImage: 2,
  },
];

export class TimeScale {
  constructor(readonly factor: number) {
    if (!Number.isFinite(factor) || factor < 1 || factor > 1000) {
      throw new RangeError(`time scale ${factor}: must be a number from 1 to 1000`);
    }
  }

  /** Real-world seconds to stack milliseconds (exact). */
  ms(seconds: number): number {
    return (seconds * 1000) / this.factor;
  }

  /** Real-world seconds to stack seconds (exact). */
  seconds(seconds: number): number {
    return seconds / this.factor;
  }

  /** Real-world seconds to whole stack seconds, at least `min`. */
  whole(seconds: number, min: number): number {
    return Math.max(min, Math.round(seconds / this.factor));
  }
}

/** The startup seconds a sample manifest gives its Deployment (real-world seconds). */
export function manifestStartupSeconds(text: string, deployment: string): number {
  for (const doc of parseAllDocuments(text)) {
    const object = doc.toJS() as {
      kind?: string;
      metadata?: { name?: string; annotations?: Record<string, string> };
    };
    if (object?.kind === 'Deployment' && object.metadata?.name === deployment) {
      const raw = object.metadata.annotations?.[annotations.startupSeconds];
      const value = Number(raw);
      if (raw === undefined || !Number.isFinite(value)) {
        throw new Error(`${deployment}: the manifest has no ${annotations.startupSeconds} annotation`);
      }
      return value;
    }
  }
  throw new Error(`no Deployment "${deployment}" in its manifest`);
}

/**
 * A sample manifest made ready for the stack: startup and grace annotations divided by the time
 * scale, replicas set to the target's minReplicas, and a Namespace document in front so the file
 * stands on its own.
 */
export function scaleManifest(text: string, target: StackTarget, scale: TimeScale): string {
  const out: string[] = [
    stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: target.namespace } }),
  ];
  for (const doc of parseAllDocuments(text)) {
    const object = doc.toJS() as Record<string, unknown> | null;
    if (object === null || object.kind !== 'Deployment') continue;
    const deployment = parseYaml(stringify(object)) as {
      metadata: { name: string; annotations?: Record<string, string> };
      spec: { replicas?: number };
    };
    if (deployment.metadata.name !== target.deployment) continue;
    const notes = { ...(deployment.metadata.annotations ?? {}) };
    for (const key of [annotations.startupSeconds, annotations.terminationGraceSeconds]) {
      const value = Number(notes[key]);
      if (notes[key] !== undefined && Number.isFinite(value)) notes[key] = String(scale.seconds(value));
    }
    deployment.metadata.annotations = notes;
    deployment.spec.replicas = target.minReplicas;
    out.push(stringify(deployment));
  }
  if (out.length < 2) throw new Error(`no Deployment "${target.deployment}" in ${target.manifest}`);
  return out.join('---\n');
}

/** The registry JSON the functions read (PRESCALER_TARGETS_FILE), at the stack's time scale. */
export function stackRegistry(
  targets: readonly StackTarget[],
  startupSeconds: ReadonlyMap<string, number>,
  scale: TimeScale,
  kubeconfig: string,
): RegistryInput {
  const entries = targets.map((t) => [
    t.name,
    {
      cluster: { kubeconfig },
      namespace: t.namespace,
      deployment: t.deployment,
      imagesPerReplica: t.imagesPerReplica,
      minReplicas: t.minReplicas,
      maxReplicas: t.maxReplicas,
      startupSeconds: scale.whole(startupSeconds.get(t.name) ?? 0, 0),
      secondsPerImage: Math.max(0.001, scale.seconds(t.secondsPerImage)),
      scaleIn: {
        stabilizationSeconds: scale.whole(SCALE_IN.stabilizationSeconds, 0),
        policies: [{ ...SCALE_IN.policy, periodSeconds: scale.whole(SCALE_IN.policy.periodSeconds, 1) }],
        selectPolicy: 'Max' as const,
        staleSeconds: scale.whole(SCALE_IN.staleSeconds, 30),
      },
    },
  ]);
  return { targets: Object.fromEntries(entries) as RegistryInput['targets'] };
}

/**
 * One function's RBAC rules in the stack: its Role (shared/kube/rbac-rules.ts, the rules
 * terraform/rbac.tf grants) in each target namespace, limited to the registered Deployments.
 */
export function functionRules(targets: readonly StackTarget[], role: FunctionRole): Rule[] {
  return [...deploymentsByNamespace(targets)].flatMap(([namespace, deployments]) =>
    roleRules(role, deployments).map((rule) => ({ ...rule, namespaces: [namespace] })),
  );
}
