/**
 * The controller manager: the Deployment and ReplicaSet controllers, the scheduler and the
 * kubelets behind the API, driven by the injected Clock. Every happening is an event at a time;
 * `advance()` runs all events due up to `clock.now()` in time order, each at its own time, so a
 * virtual clock moved by minutes replays exactly what a real cluster would have done in between.
 * The registry tells it what changed (`markDirty`, `deletePod`, `podChanged`), as the informers
 * of kube-controller-manager would (pkg/controller/replicaset, pkg/controller/deployment).
 */
import type { Clock } from '../../../shared/clock.js';
import type { DeploymentEntry, PodEntry, Store } from '../storage/store.js';
import { DeploymentController } from './deployment.js';
import { syncDeploymentStatus } from './deployment-status.js';
import { Kubelet } from './kubelet.js';
import { EventQueue } from './queue.js';
import { ReplicaSetController, type BusyProbe, type RemovedPod } from './replicaset.js';
import { Scheduler } from './scheduler.js';

/** Bound on the Deployment controller's passes at one instant (a rollout takes a few). */
const maxPasses = 50;

export interface ControllerOptions {
  readonly busyProbe?: BusyProbe;
  /** Number of simulated nodes; default 3. */
  readonly nodes?: number;
  /** Called once a record is complete (after the busy probe answered). */
  readonly onRemoved?: (record: RemovedPod) => void;
}

export class ControllerManager {
  private readonly queue = new EventQueue();
  private readonly syncPending = new Set<DeploymentEntry>();
  private readonly scheduler: Scheduler;
  private readonly kubelet: Kubelet;
  private readonly replicaSets: ReplicaSetController;
  private readonly deployments: DeploymentController;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: ControllerOptions = {},
  ) {
    this.scheduler = new Scheduler(options.nodes ?? 3);
    this.kubelet = new Kubelet(store, this.queue, this.scheduler, (owner, at) => this.markDirty(owner, at));
    this.replicaSets = new ReplicaSetController(store, this.kubelet, options.busyProbe, options.onRemoved);
    this.deployments = new DeploymentController(store);
  }

  /** Node names of the simulated cluster. */
  get nodeNames(): readonly string[] {
    return this.scheduler.nodes;
  }

  /** Records made so far, one per pod the ReplicaSet picked on scale-in, oldest first. */
  get removed(): readonly RemovedPod[] {
    return this.replicaSets.removed;
  }

  /** Asks for the Deployment to be synced (at the clock's now, or at `at`). */
  markDirty(entry: DeploymentEntry, at = this.clock.now()): void {
    if (this.syncPending.has(entry)) return;
    this.syncPending.add(entry);
    this.queue.push(at, (time) => {
      this.syncPending.delete(entry);
      this.sync(entry, time);
    });
  }

  /** Runs every event due up to the clock's now, synchronously. */
  advance(): void {
    const now = this.clock.now();
    for (let event = this.queue.popDue(now); event !== undefined; event = this.queue.popDue(now)) {
      event.run(event.at);
    }
  }

  /** `advance()`, then waits for the busy probes of pods picked so far to answer. */
  async settle(): Promise<void> {
    this.advance();
    await this.replicaSets.settle();
  }

  /** Deletes a pod through the API: Terminating for its grace period, then gone. */
  deletePod(entry: PodEntry, graceSeconds: number | undefined, at = this.clock.now()): void {
    if (entry.object.metadata.deletionTimestamp !== undefined) return;
    this.kubelet.terminate(entry, graceSeconds ?? this.kubelet.graceSeconds(entry), at);
    if (entry.owner !== undefined) this.markDirty(entry.owner, at);
  }

  /**
   * Flips a running pod's readiness now, as a failing or recovering readiness probe would, before
   * the controllers act on what is pending (a ReplicaSet picking pods after a scale write sees it).
   */
  setPodReady(entry: PodEntry, ready: boolean): void {
    this.kubelet.setReady(entry, ready, this.clock.now());
  }

  /** Reacts to a pod changed through the API (a deletion-cost annotation does not need a sync). */
  podChanged(entry: PodEntry): void {
    if (entry.owner !== undefined) this.markDirty(entry.owner);
  }

  /**
   * The Deployment controller's passes and its ReplicaSets' syncs, at one instant, until the
   * Deployment controller changes no size: a real cluster takes these steps within milliseconds,
   * each on the update event of the previous one.
   */
  private sync(entry: DeploymentEntry, at: number): void {
    const meta = entry.object.metadata;
    if (this.store.deployment(meta.namespace ?? 'default', meta.name) !== entry) return;
    for (let pass = 0; pass < maxPasses; pass++) {
      // After the first pass, the statuses are those the previous pass's ReplicaSet syncs wrote.
      if (pass === 0) for (const rs of entry.replicaSets) this.replicaSets.syncStatus(rs, at);
      const { changed, cause } = this.deployments.step(entry, at);
      for (const rs of entry.replicaSets) this.replicaSets.sync(rs, at, cause);
      if (!changed) break;
    }
    syncDeploymentStatus(this.store, entry, at);
  }
}
