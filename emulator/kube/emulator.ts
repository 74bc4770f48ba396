/**
 * KubeEmulator: the programmatic face of the emulator, joining the store, the simulated cluster,
 * the authorizer and the HTTP(S) server. See index.ts for the API in one place.
 *
 * Time: every observation (an API request, `getDeployment`, `listPods`, ...) first runs the
 * simulated cluster up to `clock.now()`, so what is read always matches the clock. `tick()` does
 * the same and also waits for the busy probes of pods picked for deletion, so `removedPods` is
 * complete when it resolves. With the system clock a timer also ticks every `tickMs` (default
 * 100 ms), so removals are recorded and watchers see changes without anyone asking.
 */
import { EventEmitter } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Deployment, Pod } from './apis/objects.js';
import { Admission } from './apiserver/admission.js';
import { ValidatingAdmissionPolicies } from './apiserver/policy.js';
import { adminUser, allRights, Authorizer, parseRbac, type Rule } from './apiserver/rbac.js';
import { KubeServer } from './apiserver/server.js';
import { ControllerManager } from './controllers/manager.js';
import type { RemovedPod } from './controllers/replicaset.js';
import type { Applied, EmulatorEvents, KubeEmulatorOptions } from './emulator-options.js';
import { renderKubeconfig } from './kubeconfig.js';
import { parseManifests, readManifests, type Manifests } from './manifests.js';
import type { Autoscaler, ReplicaSet } from './apis/workloads.js';
import { byKey, Registry } from './registry/index.js';
import type { Json } from './registry/patch.js';
import { labelSelectorOf } from './storage/selection.js';
import { Store } from './storage/store.js';
import { createCertificates } from './tls.js';

export type { Applied, EmulatorEvents, KubeEmulatorOptions } from './emulator-options.js';

export class KubeEmulator {
  /** Emits `podRemoved` with each record once its busy probe has answered. */
  readonly events: EventEmitter<EmulatorEvents>;
  readonly url: string;
  readonly port: number;
  /** PEM of the CA that signed the server certificate; undefined over plain HTTP. */
  readonly caPem: string | undefined;
  readonly adminToken: string;
  readonly clock: Clock;

  private readonly store: Store;
  private readonly controllers: ControllerManager;
  private readonly authorizer: Authorizer;
  private readonly registry: Registry;
  /** The admission plugins of the request pipeline; `admission.add(plugin)` adds one. */
  readonly admission: Admission;
  /** The ValidatingAdmissionPolicy plugin (last in the pipeline): policies from manifests or code. */
  readonly policies: ValidatingAdmissionPolicies;
  private readonly server: KubeServer;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();

  private constructor(parts: {
    events: EventEmitter<EmulatorEvents>;
    url: string;
    port: number;
    caPem: string | undefined;
    adminToken: string;
    clock: Clock;
    store: Store;
    controllers: ControllerManager;
    authorizer: Authorizer;
    admission: Admission;
    policies: ValidatingAdmissionPolicies;
    server: KubeServer;
  }) {
    this.events = parts.events;
    this.url = parts.url;
    this.port = parts.port;
    this.caPem = parts.caPem;
    this.adminToken = parts.adminToken;
    this.clock = parts.clock;
    this.store = parts.store;
    this.controllers = parts.controllers;
    this.authorizer = parts.authorizer;
    this.server = parts.server;
    this.admission = parts.admission;
    this.policies = parts.policies;
    this.registry = new Registry({
      store: this.store,
      controllers: this.controllers,
      clock: this.clock,
      admission: this.admission,
    });
  }

  /** Starts the emulator and resolves once it listens. */
  static async start(options: KubeEmulatorOptions = {}): Promise<KubeEmulator> {
    const clock = options.clock ?? systemClock;
    const host = options.host ?? '127.0.0.1';
    const tls = options.tls ?? true;
    const store = new Store(clock);
    const authorizer = new Authorizer();
    const adminToken = authorizer.addUser(adminUser, allRights, options.adminToken);
    if (typeof options.rbac === 'string')
      authorizer.addUsers(parseRbac(await readFile(options.rbac, 'utf8')));
    else if (options.rbac !== undefined) authorizer.addUsers(options.rbac);
    const events = new EventEmitter<EmulatorEvents>();
    const policies = new ValidatingAdmissionPolicies();
    const admission = new Admission([...(options.admission ?? []), policies]);
    const controllers = new ControllerManager(store, clock, {
      busyProbe: options.busyProbe,
      nodes: options.nodes,
      onRemoved: (record) => events.emit('podRemoved', record),
    });
    // Certificates are checked against the clients' wall time, whatever the simulated clock says.
    const certificates = tls ? createCertificates(systemClock.now()) : undefined;
    const server = new KubeServer(
      {
        store,
        controllers,
        authorizer,
        admission,
        clock,
        log: options.log,
        anonymousUser: tls ? undefined : adminUser,
      },
      certificates,
    );
    const port = await server.listen(host, options.port ?? 0);
    const shownHost = host.includes(':') ? `[${host}]` : host;
    const emulator = new KubeEmulator({
      events,
      url: `${tls ? 'https' : 'http'}://${shownHost}:${port}`,
      port,
      caPem: certificates?.caPem,
      adminToken,
      clock,
      store,
      controllers,
      authorizer,
      admission,
      policies,
      server,
    });
    if (options.manifests !== undefined) await emulator.loadManifests(options.manifests);
    if (options.autoTick ?? clock === systemClock) {
      emulator.timer = setInterval(() => void emulator.tick(), options.tickMs ?? 100);
      emulator.timer.unref();
    }
    return emulator;
  }

  /** Records made so far, one per pod the ReplicaSet picked on scale-in, oldest first. */
  get removedPods(): readonly RemovedPod[] {
    return this.controllers.removed;
  }

  /** Names of the simulated nodes. */
  get nodes(): readonly string[] {
    return this.controllers.nodeNames;
  }

  /** Adds a user with rules (added to any it has); returns its bearer token. */
  addUser(name: string, rules: readonly Rule[], token?: string): string {
    return this.authorizer.addUser(name, rules, token);
  }

  /** The token of a user, or undefined. */
  tokenOf(user: string): string | undefined {
    return this.authorizer.tokenOf(user);
  }

  /** A kubeconfig (YAML text) for `user` (default the admin), optionally with a default namespace. */
  kubeconfig(user: string = adminUser, namespace?: string): string {
    const token = this.authorizer.tokenOf(user);
    if (token === undefined) throw new Error(`no such user "${user}"`);
    return renderKubeconfig({ server: this.url, caPem: this.caPem, user, token, namespace });
  }

  async writeKubeconfig(path: string, user: string = adminUser, namespace?: string): Promise<void> {
    await writeFile(path, this.kubeconfig(user, namespace), { mode: 0o600 });
  }

  private apply(manifests: Manifests): Applied {
    this.controllers.advance();
    for (const ns of manifests.namespaces) this.store.ensureNamespace(ns);
    const deployments = manifests.deployments.map((d) => {
      const namespace = d.metadata.namespace ?? 'default';
      this.registry.applyDeployment(namespace, d as unknown as Json);
      return `${namespace}/${d.metadata.name}`;
    });
    const policies = manifests.policies.map((p) => {
      if (p.kind === 'ValidatingAdmissionPolicy') this.policies.addPolicy(p);
      else this.policies.addBinding(p);
      return `${p.kind}/${p.metadata.name}`;
    });
    return { deployments, namespaces: manifests.namespaces, policies, skipped: manifests.skipped };
  }

  /** Creates or updates the Deployments (and Namespaces) of a YAML text (multi-document). */
  applyManifest(yamlText: string, source?: string): Applied {
    return this.apply(parseManifests(yamlText, source));
  }

  /** Creates or updates everything in a manifest file or directory. */
  async loadManifests(path: string): Promise<Applied> {
    return this.apply(await readManifests(path));
  }

  /** Runs the simulated cluster up to the clock's now and waits for pending busy probes. */
  async tick(): Promise<void> {
    const run = this.ticking.then(() => this.controllers.settle());
    this.ticking = run.catch(() => undefined);
    return run;
  }

  /** A copy of a Deployment as the API would return it, or undefined. */
  getDeployment(namespace: string, name: string): Deployment | undefined {
    this.controllers.advance();
    const entry = this.store.deployment(namespace, name);
    return entry === undefined ? undefined : structuredClone(entry.object);
  }

  /** Copies of the Deployments of a namespace (all when omitted), sorted by namespace and name. */
  listDeployments(namespace?: string): Deployment[] {
    this.controllers.advance();
    return byKey(this.store.deployments(namespace).map((e) => structuredClone(e.object)));
  }

  /** Copies of the pods of a namespace (all when omitted) matching a label selector string. */
  listPods(namespace?: string, selector?: string): Pod[] {
    this.controllers.advance();
    const parsed = labelSelectorOf(selector ?? '');
    const pods = this.store
      .pods(namespace)
      .filter((e) => parsed === undefined || parsed.matches(e.object.metadata.labels))
      .map((e) => structuredClone(e.object));
    return byKey(pods);
  }

  /** Sets a Deployment's replicas as a scale-subresource write would (admin rights, no checks). */
  scale(namespace: string, name: string, replicas: number): void {
    this.controllers.advance();
    if (this.registry.setReplicas(namespace, name, replicas) === undefined)
      throw new Error(`deployment ${namespace}/${name} not found`);
  }

  /** Makes a running pod NotReady (false) or Ready again (true), as its readiness probe would. */
  setPodReady(namespace: string, name: string, ready: boolean): void {
    const entry = this.store.pod(namespace, name);
    if (entry === undefined) throw new Error(`pod ${namespace}/${name} not found`);
    this.controllers.setPodReady(entry, ready);
  }

  /** Creates or replaces an autoscaling/v2 HorizontalPodAutoscaler or a keda.sh ScaledObject. */
  applyAutoscaler(object: Json & { kind: Autoscaler['kind'] }, namespace = 'default'): void {
    this.controllers.advance();
    this.registry.applyAutoscaler(object.kind, namespace, object);
  }

  /** Copies of the ReplicaSets of a namespace (all when omitted), as the API serves them. */
  listReplicaSets(namespace?: string): ReplicaSet[] {
    this.controllers.advance();
    return byKey(this.store.replicaSets(namespace).map((rs) => structuredClone(rs.object)));
  }

  /** Stops the server, the ticker and any open watches. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.server.close();
    await this.ticking;
  }
}
