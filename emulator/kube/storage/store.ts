/**
 * The emulator's object store: Deployments, Pods and Namespaces kept as the JSON the API serves,
 * one global resourceVersion counter (like etcd's revision; an object's resourceVersion is the
 * counter value of its last change), and the indexes that keep requests cheap with thousands of
 * objects: objects by namespace and name, pods by owning Deployment. Every change goes through
 * `changed`/`added`/`removed`, which bump the version and tell the watchers.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../shared/clock.js';
import { fromLabelSelector, type Selector } from '../apis/selector.js';
import {
  namespaceObject,
  podTemplateHash,
  type Deployment,
  type KubeObject,
  type Namespace,
  type Pod,
} from '../apis/objects.js';

export interface DeploymentEntry {
  object: Deployment;
  selector: Selector;
  /** Pods the Deployment's ReplicaSet owns, terminating ones included. */
  readonly pods: Set<PodEntry>;
  templateHash: string;
  replicaSetName: string;
  replicaSetUid: string;
}

export interface PodEntry {
  object: Pod;
  readonly owner: DeploymentEntry | undefined;
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
    const templateHash = podTemplateHash(object.spec.template);
    const entry: DeploymentEntry = {
      object,
      selector: fromLabelSelector(object.spec.selector),
      pods: new Set(),
      templateHash,
      replicaSetName: `${object.metadata.name}-${templateHash}`,
      replicaSetUid: randomUUID(),
    };
    nested(this.deploymentsByNs, namespace).set(object.metadata.name, entry);
    this.stamp(object, 'ADDED');
    return entry;
  }

  /**
   * Records a change to a Deployment, replacing its object when given. A new pod template makes a
   * new ReplicaSet (name and uid) for the pods created from then on.
   */
  changeDeployment(entry: DeploymentEntry, object?: Deployment): void {
    if (object !== undefined) {
      entry.object = object;
      const hash = podTemplateHash(object.spec.template);
      if (hash !== entry.templateHash) {
        entry.templateHash = hash;
        entry.replicaSetName = `${object.metadata.name}-${hash}`;
        entry.replicaSetUid = randomUUID();
      }
    }
    this.stamp(entry.object, 'MODIFIED');
  }

  removeDeployment(entry: DeploymentEntry): void {
    this.deploymentsByNs
      .get(entry.object.metadata.namespace ?? 'default')
      ?.delete(entry.object.metadata.name);
    this.stamp(entry.object, 'DELETED');
  }

  // ---- pods ----

  pod(namespace: string, name: string): PodEntry | undefined {
    return this.podsByNs.get(namespace)?.get(name);
  }

  /** Pods of one namespace, or of all when `namespace` is undefined. */
  pods(namespace?: string): PodEntry[] {
    return valuesIn(this.podsByNs, namespace);
  }

  addPod(object: Pod, owner: DeploymentEntry | undefined): PodEntry {
    const namespace = object.metadata.namespace ?? 'default';
    this.ensureNamespace(namespace);
    const entry: PodEntry = { object, owner };
    nested(this.podsByNs, namespace).set(object.metadata.name, entry);
    owner?.pods.add(entry);
    this.stamp(object, 'ADDED');
    return entry;
  }

  changePod(entry: PodEntry, object: Pod = entry.object): void {
    entry.object = object;
    this.stamp(object, 'MODIFIED');
  }

  removePod(entry: PodEntry): void {
    const namespace = entry.object.metadata.namespace ?? 'default';
    const inner = this.podsByNs.get(namespace);
    if (inner?.get(entry.object.metadata.name) !== entry) return;
    inner.delete(entry.object.metadata.name);
    entry.owner?.pods.delete(entry);
    this.stamp(entry.object, 'DELETED');
  }
}
