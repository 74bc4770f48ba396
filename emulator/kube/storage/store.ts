/**
 * The emulator's object store: Deployments, ReplicaSets, Pods and Namespaces kept as the JSON the
 * API serves, one global resourceVersion counter (like etcd's revision; an object's
 * resourceVersion is the counter value of its last change), and the indexes that keep requests
 * cheap with thousands of objects: objects by namespace and name, ReplicaSets by owning
 * Deployment, pods by owning ReplicaSet and Deployment. Every change goes through
 * `changed`/`added`/`removed`, which bump the version and tell the watchers.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../shared/clock.js';
import { fromLabelSelector, type Selector } from '../apis/selector.js';
import {
  namespaceObject,
  type Deployment,
  type KubeObject,
  type Namespace,
  type Pod,
} from '../apis/objects.js';
import type { Autoscaler, ReplicaSet } from '../apis/workloads.js';
import {
  emptyCounts,
  shareOf,
  tally,
  type NodeCounts,
  type PodShare,
  type ReplicaSetCounts,
} from './pod-tally.js';

export interface DeploymentEntry {
  object: Deployment;
  selector: Selector;
  /** Pods its ReplicaSets own, terminating ones included. */
  readonly pods: Set<PodEntry>;
  /** Its active pods per node (pod-tally.ts). */
  readonly podsOnNode: NodeCounts;
  /** Its ReplicaSets, oldest first. */
  readonly replicaSets: ReplicaSetEntry[];
}

export interface ReplicaSetEntry {
  object: ReplicaSet;
  readonly owner: DeploymentEntry;
  /** The pod-template-hash label of its pods. */
  readonly hash: string;
  /** Pods it owns, terminating ones included. */
  readonly pods: Set<PodEntry>;
  /** Counts of its active, fully labeled and ready pods (pod-tally.ts). */
  readonly counts: ReplicaSetCounts;
}

export interface PodEntry {
  object: Pod;
  /** The Deployment whose ReplicaSet owns the pod. */
  readonly owner: DeploymentEntry | undefined;
  readonly replicaSet: ReplicaSetEntry | undefined;
  /** What it added to its ReplicaSet's and Deployment's counts at its last write. */
  share?: PodShare;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  readonly type: ChangeType;
  readonly object: KubeObject;
}

type Listener = (change: Change) => void;

/** The values of one namespace's map, or of every namespace's when `namespace` is undefined. */
function valuesIn<T>(map: Map<string, Map<string, T>>, namespace: string | undefined): T[] {
  if (namespace !== undefined) return [...(map.get(namespace)?.values() ?? [])];
  const out: T[] = [];
  for (const inner of map.values()) for (const value of inner.values()) out.push(value);
  return out;
}

function nested<T>(map: Map<string, Map<string, T>>, namespace: string): Map<string, T> {
  let inner = map.get(namespace);
  if (inner === undefined) {
    inner = new Map();
    map.set(namespace, inner);
  }
  return inner;
}

export class Store {
  private version = 1;
  private readonly namespaceObjects = new Map<string, Namespace>();
  private readonly deploymentsByNs = new Map<string, Map<string, DeploymentEntry>>();
  private readonly podsByNs = new Map<string, Map<string, PodEntry>>();
  private readonly listeners = new Set<Listener>();
  private readonly autoscalersByKind = new Map<Autoscaler['kind'], Map<string, Map<string, Autoscaler>>>();

  constructor(private readonly clock: Clock) {
    this.ensureNamespace('default');
  }

  /** The current resourceVersion (of the last change), as the API writes it in lists. */
  get resourceVersion(): string {
    return String(this.version);
  }

  private stamp(object: KubeObject, type: ChangeType): void {
    this.version += 1;
    object.metadata.resourceVersion = String(this.version);
    for (const listener of this.listeners) listener({ type, object });
  }

  /** Subscribes to every change; returns the unsubscribe function. */
  watch(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- namespaces ----

  ensureNamespace(name: string): Namespace {
    let ns = this.namespaceObjects.get(name);
    if (ns === undefined) {
      ns = namespaceObject(name, randomUUID(), this.clock.now());
      this.namespaceObjects.set(name, ns);
      this.stamp(ns, 'ADDED');
    }
    return ns;
  }

  namespace(name: string): Namespace | undefined {
    return this.namespaceObjects.get(name);
  }

  namespaces(): Namespace[] {
    return [...this.namespaceObjects.values()];
  }

  // ---- deployments ----

  deployment(namespace: string, name: string): DeploymentEntry | undefined {
    return this.deploymentsByNs.get(namespace)?.get(name);
  }

  /** Deployments of one namespace, or of all when `namespace` is undefined. */
  deployments(namespace?: string): DeploymentEntry[] {
    return valuesIn(this.deploymentsByNs, namespace);
  }

  /** Adds a defaulted Deployment (metadata.name/namespace/uid set by the caller). */
  addDeployment(object: Deployment): DeploymentEntry {
    const namespace = object.metadata.namespace ?? 'default';
    this.ensureNamespace(namespace);
    const entry: DeploymentEntry = {
      object,
      selector: fromLabelSelector(object.spec.selector),
      pods: new Set(),
      podsOnNode: new Map(),
      replicaSets: [],
    };
    nested(this.deploymentsByNs, namespace).set(object.metadata.name, entry);
    this.stamp(object, 'ADDED');
    return entry;
  }

  /** Records a change to a Deployment, replacing its object when given. */
  changeDeployment(entry: DeploymentEntry, object?: Deployment): void {
    if (object !== undefined) entry.object = object;
    this.stamp(entry.object, 'MODIFIED');
  }

  /** Removes a Deployment and its ReplicaSets (their pods are deleted by the caller). */
  removeDeployment(entry: DeploymentEntry): void {
    this.deploymentsByNs
      .get(entry.object.metadata.namespace ?? 'default')
      ?.delete(entry.object.metadata.name);
    for (const rs of [...entry.replicaSets]) this.removeReplicaSet(rs);
    this.stamp(entry.object, 'DELETED');
  }

  // ---- replicasets (always owned by a Deployment) ----

  /** ReplicaSets of one namespace, or of all when `namespace` is undefined. */
  replicaSets(namespace?: string): ReplicaSetEntry[] {
    return this.deployments(namespace).flatMap((d) => d.replicaSets);
  }

  /** Adds a ReplicaSet (metadata complete but for its resourceVersion) to its Deployment. */
  addReplicaSet(owner: DeploymentEntry, object: ReplicaSet, hash: string): ReplicaSetEntry {
    const entry: ReplicaSetEntry = { object, owner, hash, pods: new Set(), counts: emptyCounts() };
    owner.replicaSets.push(entry);
    this.stamp(object, 'ADDED');
    return entry;
  }

  changeReplicaSet(entry: ReplicaSetEntry): void {
    this.stamp(entry.object, 'MODIFIED');
  }

  removeReplicaSet(entry: ReplicaSetEntry): void {
    const list = entry.owner.replicaSets;
    const at = list.indexOf(entry);
    if (at < 0) return;
    list.splice(at, 1);
    this.stamp(entry.object, 'DELETED');
  }

  // ---- autoscalers (HorizontalPodAutoscalers, ScaledObjects): stored as created ----

  autoscaler(kind: Autoscaler['kind'], namespace: string, name: string): Autoscaler | undefined {
    return this.autoscalersByKind.get(kind)?.get(namespace)?.get(name);
  }

  /** Autoscalers of a kind in one namespace, or in all when `namespace` is undefined. */
  autoscalers(kind: Autoscaler['kind'], namespace?: string): Autoscaler[] {
    return valuesIn(
      this.autoscalersByKind.get(kind) ?? new Map<string, Map<string, Autoscaler>>(),
      namespace,
    );
  }

  /** Adds or replaces an autoscaler (metadata complete but for its resourceVersion). */
  putAutoscaler(object: Autoscaler): void {
    const namespace = object.metadata.namespace ?? 'default';
    this.ensureNamespace(namespace);
    let byNs = this.autoscalersByKind.get(object.kind);
    if (byNs === undefined) {
      byNs = new Map<string, Map<string, Autoscaler>>();
      this.autoscalersByKind.set(object.kind, byNs);
    }
    const inner = nested(byNs, namespace);
    const existed = inner.has(object.metadata.name);
    inner.set(object.metadata.name, object);
    this.stamp(object, existed ? 'MODIFIED' : 'ADDED');
  }

  removeAutoscaler(object: Autoscaler): void {
    const inner = this.autoscalersByKind.get(object.kind)?.get(object.metadata.namespace ?? 'default');
    if (inner?.get(object.metadata.name) !== object) return;
    inner.delete(object.metadata.name);
    this.stamp(object, 'DELETED');
  }

  // ---- pods ----

  pod(namespace: string, name: string): PodEntry | undefined {
    return this.podsByNs.get(namespace)?.get(name);
  }

  /** Pods of one namespace, or of all when `namespace` is undefined. */
  pods(namespace?: string): PodEntry[] {
    return valuesIn(this.podsByNs, namespace);
  }

  /** Adds a pod, owned by a ReplicaSet (and so by its Deployment) when given. */
  addPod(object: Pod, replicaSet?: ReplicaSetEntry): PodEntry {
    const namespace = object.metadata.namespace ?? 'default';
    this.ensureNamespace(namespace);
    const entry: PodEntry = { object, owner: replicaSet?.owner, replicaSet };
    nested(this.podsByNs, namespace).set(object.metadata.name, entry);
    replicaSet?.pods.add(entry);
    replicaSet?.owner.pods.add(entry);
    this.recount(entry);
    this.stamp(object, 'ADDED');
    return entry;
  }

  changePod(entry: PodEntry, object: Pod = entry.object): void {
    entry.object = object;
    this.recount(entry);
    this.stamp(object, 'MODIFIED');
  }

  /** Replaces the pod's share of its owners' counts by one of its current state (pod-tally.ts). */
  private recount(entry: PodEntry, removed = false): void {
    const rs = entry.replicaSet;
    if (rs === undefined) return;
    tally(entry.share, -1, rs.counts, rs.owner.podsOnNode);
    entry.share = removed ? undefined : shareOf(entry.object, rs.object.spec.template.metadata?.labels);
    tally(entry.share, 1, rs.counts, rs.owner.podsOnNode);
  }

  removePod(entry: PodEntry): void {
    const namespace = entry.object.metadata.namespace ?? 'default';
    const inner = this.podsByNs.get(namespace);
    if (inner?.get(entry.object.metadata.name) !== entry) return;
    inner.delete(entry.object.metadata.name);
    entry.owner?.pods.delete(entry);
    entry.replicaSet?.pods.delete(entry);
    this.recount(entry, true);
    this.stamp(entry.object, 'DELETED');
  }
}
