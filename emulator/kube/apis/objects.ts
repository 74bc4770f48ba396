/**
 * The shapes of the objects the emulator serves (Deployment, Pod, Namespace, Scale) and the pure
 * helpers around them: API-server defaulting of a Deployment, a Pod built from a template the way
 * the ReplicaSet controller does, the pod-template-hash and random name suffixes, RFC 3339 times
 * (time.ts), pod readiness, and the Scale view of a Deployment.
 */
import { randomInt } from 'node:crypto';
import { rfc3339 } from './time.js';
import type { JsonObject } from '../registry/patch.js';
import { fromLabelSelector, type LabelSelector } from './selector.js';
import type { HorizontalPodAutoscaler, ReplicaSet, ScaledObject } from './workloads.js';

export type StringMap = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: StringMap;
  annotations?: StringMap;
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  [field: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  nodeName?: string;
  terminationGracePeriodSeconds?: number;
  [field: string]: unknown;
}

export interface PodTemplate {
  metadata?: { labels?: StringMap; annotations?: StringMap; [field: string]: unknown };
  spec: PodSpec;
}

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
}

export interface Deployment {
  kind: 'Deployment';
  apiVersion: 'apps/v1';
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    selector: LabelSelector;
    template: PodTemplate;
    minReadySeconds?: number;
    [field: string]: unknown;
  };
  status: DeploymentStatus;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  state: JsonObject;
  lastState: JsonObject;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodStatus {
  phase: PodPhase;
  conditions?: PodCondition[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  qosClass?: string;
}

export interface Pod {
  kind: 'Pod';
  apiVersion: 'v1';
  metadata: ObjectMeta;
  spec: PodSpec;
  status: PodStatus;
}

export interface Namespace {
  kind: 'Namespace';
  apiVersion: 'v1';
  metadata: ObjectMeta;
  spec: { finalizers: string[] };
  status: { phase: 'Active' };
}

export interface Scale {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
  };
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

export type KubeObject = Deployment | Pod | Namespace | ReplicaSet | HorizontalPodAutoscaler | ScaledObject;

/** Go's omitempty on decode and encode: an empty or null labels/annotations map disappears. */
export function dropEmptyMaps(meta: ObjectMeta): ObjectMeta {
  for (const key of ['labels', 'annotations'] as const) {
    const value = meta[key] as StringMap | null | undefined;
    if (value === null || (value !== undefined && Object.keys(value).length === 0)) delete meta[key];
  }
  return meta;
}

export { parseTime, rfc3339 } from './time.js';

/** The alphabet of apimachinery's util/rand: no vowels, no confusable digits. */
const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

/** `rand.SafeEncodeString`. */
export function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += alphanums[(ch.codePointAt(0) as number) % alphanums.length] as string;
  return out;
}

/** `rand.String(n)`: the suffix of generated names. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphanums[randomInt(alphanums.length)] as string;
  return out;
}

/** FNV-1a, 32 bits. */
function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The pod-template-hash label value: FNV-32a of the template, safe-encoded like the controller's. */
export function podTemplateHash(template: PodTemplate): string {
  return safeEncode(String(fnv32a(JSON.stringify(template))));
}

function imagePullPolicy(image: string | undefined): string {
  if (image === undefined) return 'IfNotPresent';
  const lastSegment = image.split('/').pop() ?? image;
  const withoutDigest = lastSegment.split('@')[0] ?? lastSegment;
  const tag = withoutDigest.includes(':') ? withoutDigest.split(':').pop() : undefined;
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** API-server defaults of a pod spec (SetDefaults_PodSpec, SetDefaults_Container). */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  const containers = spec.containers.map((c) => ({
    ...c,
    resources: c.resources ?? {},
    terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
    terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
    imagePullPolicy: c.imagePullPolicy ?? imagePullPolicy(c.image),
  }));
  return {
    ...spec,
    containers,
    restartPolicy: spec.restartPolicy ?? 'Always',
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    dnsPolicy: spec.dnsPolicy ?? 'ClusterFirst',
    securityContext: spec.securityContext ?? {},
    schedulerName: spec.schedulerName ?? 'default-scheduler',
  };
}

/** Applies the apps/v1 Deployment defaults (SetDefaults_Deployment) in place and returns it. */
export function defaultDeployment(d: Deployment): Deployment {
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template.metadata = { creationTimestamp: null, ...(spec.template.metadata ?? {}) };
  spec.template.spec = defaultPodSpec(spec.template.spec);
  return d;
}

export function scaleOf(d: Deployment): Scale {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: d.metadata.name,
      namespace: d.metadata.namespace ?? 'default',
      uid: d.metadata.uid,
      resourceVersion: d.metadata.resourceVersion,
      creationTimestamp: d.metadata.creationTimestamp,
    },
    spec: { replicas: d.spec.replicas },
    status: { replicas: d.status.replicas ?? 0, selector: selectorText(d.spec.selector) },
  };
}

/** A Deployment's selector is immutable, so its text is made once per selector object. */
const selectorTexts = new WeakMap<LabelSelector, string>();

function selectorText(selector: LabelSelector): string {
  let text = selectorTexts.get(selector);
  if (text === undefined) {
    text = fromLabelSelector(selector).toString();
    selectorTexts.set(selector, text);
  }
  return text;
}

/** A namespace object for a name first seen at `createdAt`. */
export function namespaceObject(name: string, uid: string, createdAt: number): Namespace {
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: {
      name,
      uid,
      resourceVersion: '0',
      creationTimestamp: rfc3339(createdAt),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}
