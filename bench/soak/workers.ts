/**
 * The soak's simulated workers, one set per target, speaking the progress contract: a Ready pod
 * takes up to IMAGES_PER_REPLICA images from its target's queue, reports each one done after
 * SECONDS_PER_IMAGE (again at the next step when Redis refuses or is down) and keeps a heartbeat;
 * a Terminating pod takes nothing new and finishes what it holds if its grace period allows; an
 * image lost with its pod is counted as interrupted and handed out again.
 */
import type { Redis } from 'ioredis';
import { ProgressReporter } from '../../shared/redis/progress.js';
import type { KubeEmulator, Pod } from '../../emulator/kube/index.js';

export const IMAGES_PER_REPLICA = 2;
export const SECONDS_PER_IMAGE = 20;
export const STEP_MS = 5000;

interface Held {
  readonly batchId: string;
  readonly finishAt: number;
}

export interface Target {
  readonly name: string;
  readonly namespace: string;
  /** Images waiting for a pod, by batch, in announcement order. */
  readonly queue: Array<{ batchId: string; left: number }>;
  readonly held: Map<string, Held[]>;
}

export function isReady(pod: Pod): boolean {
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export class Workers {
  imagesFinished = 0;
  imagesInterrupted = 0;
  /** Images held by pods picked for removal: each is lost unless the grace period covers it. */
  imagesOnRemovedPods = 0;
  /** Images finished, by `target/batchId`. */
  readonly finished = new Map<string, number>();
  /** `namespace/pod` of pods that held images when they turned Terminating. */
  readonly removedHolding = new Set<string>();
  private readonly seenTerminating = new Set<string>();

  constructor(
    private readonly emulator: KubeEmulator,
    private readonly admin: Redis,
    private readonly prefix: string,
  ) {}

  private reporter(target: Target, pod: string): ProgressReporter {
    return new ProgressReporter(this.admin, target.name, pod, this.prefix, 60);
  }

  /** One step of a target's workers at `now`: finish, lose with their pod, and take images. */
  async work(target: Target, now: number): Promise<void> {
    const pods = new Map(this.emulator.listPods(target.namespace).map((p) => [p.metadata.name, p]));
    for (const [name, held] of target.held) {
      const pod = pods.get(name);
      if (pod?.metadata.deletionTimestamp !== undefined && !this.seenTerminating.has(name)) {
        this.seenTerminating.add(name);
        this.imagesOnRemovedPods += held.length;
        if (held.length > 0) this.removedHolding.add(`${target.namespace}/${name}`);
      }
      const reporter = this.reporter(target, name);
      const keep: Held[] = [];
      for (const image of held) {
        if (image.finishAt <= now && pod !== undefined) {
          const reported = await reporter.done(image.batchId).then(
            () => true,
            () => false,
          );
          if (!reported) {
            // Redis refused or is down: the worker reports it again at its next step.
            keep.push({ ...image, finishAt: now + STEP_MS });
            continue;
          }
          const key = `${target.name}/${image.batchId}`;
          this.finished.set(key, (this.finished.get(key) ?? 0) + 1);
          this.imagesFinished++;
        } else if (pod === undefined) {
          // The pod went away holding this image: interrupted, handed out again.
          this.imagesInterrupted++;
          target.queue.unshift({ batchId: image.batchId, left: 1 });
        } else keep.push(image);
      }
      if (keep.length > 0) target.held.set(name, keep);
      else target.held.delete(name);
      await reporter.heartbeat(pod === undefined ? 0 : keep.length).catch(() => undefined);
    }
    for (const pod of pods.values()) {
      if (!isReady(pod) || pod.metadata.deletionTimestamp !== undefined) continue;
      const held = target.held.get(pod.metadata.name) ?? [];
      while (held.length < IMAGES_PER_REPLICA && target.queue.length > 0) {
        const next = target.queue[0] as { batchId: string; left: number };
        held.push({ batchId: next.batchId, finishAt: now + SECONDS_PER_IMAGE * 1000 });
        if (--next.left === 0) target.queue.shift();
      }
      if (held.length > 0) {
        target.held.set(pod.metadata.name, held);
        await this.reporter(target, pod.metadata.name)
          .heartbeat(held.length)
          .catch(() => undefined);
      }
    }
  }
}
