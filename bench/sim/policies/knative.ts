/**
 * Policy: Knative Serving's autoscaler (KPA) with its defaults (config-autoscaler): stable window
 * 60 s, panic window 6 s (10 % of it), panic threshold 200 %, target utilization 70 % of the
 * container concurrency (here imagesPerReplica: a worker takes one image at a time), max
 * scale-up rate 1000, max scale-down rate 2, scale-to-zero grace period 30 s, 2 s ticks, min 0.
 * Concurrency is every request in the system (waiting and in flight), sampled each second, as the
 * queue-proxies and the activator report it. Each tick (pkg/autoscaler/scaling/autoscaler.go):
 *   stable = ceil(mean concurrency of the last 60 s / 0.7), panic = ceil(mean of the last 6 s / 0.7),
 *   each clamped to [floor(ready / 2), 1000 * ready] (ready counted as at least 1);
 *   panic / ready >= 2 starts (or extends) panic mode; panic mode ends once 60 s have passed
 *   without it; in panic the count never falls (the highest panic count so far), otherwise it
 *   is the stable count. e.g. 5 Ready pods and 7 requests -> panic ceil(7 / 0.7) = 10 = 2x 5: panic.
 * A count of 0 is applied only after the 30 s grace period (the last pod goes then).
 */
import type { DeploymentView, PolicyKind } from '../policy.js';
import { uniform } from '../random.js';

export const KPA = {
  stableWindowSeconds: 60,
  panicWindowSeconds: 6,
  panicThreshold: 2,
  targetUtilization: 0.7,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  scaleToZeroGraceSeconds: 30,
  tickSeconds: 2,
} as const;

/** The KPA's decider for one revision; time is a parameter. */
export class Kpa {
  private samples: Array<{ atMs: number; concurrency: number }> = [];
  private panicSinceMs: number | undefined;
  private maxPanicPods = 0;
  private zeroSinceMs: number | undefined;

  constructor(
    private readonly targetPerPod: number,
    private readonly maxReplicas: number,
  ) {}

  get panicking(): boolean {
    return this.panicSinceMs !== undefined;
  }

  record(nowMs: number, concurrency: number): void {
    this.samples.push({ atMs: nowMs, concurrency });
    const keepFrom = nowMs - KPA.stableWindowSeconds * 1000;
    if ((this.samples[0]?.atMs ?? Infinity) <= keepFrom)
      this.samples = this.samples.filter((s) => s.atMs > keepFrom);
  }

  private mean(nowMs: number, windowSeconds: number): number {
    const inside = this.samples.filter((s) => s.atMs > nowMs - windowSeconds * 1000);
    return inside.length === 0 ? 0 : inside.reduce((sum, s) => sum + s.concurrency, 0) / inside.length;
  }

  /** The replica count to ask for at a tick, given the Ready pods and the current count. */
  decide(nowMs: number, readyPods: number, current: number): number {
    const ready = Math.max(1, readyPods);
    const up = Math.ceil(KPA.maxScaleUpRate * ready);
    const down = Math.floor(ready / KPA.maxScaleDownRate);
    const clamp = (n: number) => Math.min(Math.max(n, down), up);
    const stable = clamp(Math.ceil(this.mean(nowMs, KPA.stableWindowSeconds) / this.targetPerPod));
    const panic = clamp(Math.ceil(this.mean(nowMs, KPA.panicWindowSeconds) / this.targetPerPod));
    const over = panic / ready >= KPA.panicThreshold;
    if (over) this.panicSinceMs = nowMs;
    else if (this.panicSinceMs !== undefined && nowMs - this.panicSinceMs >= KPA.stableWindowSeconds * 1000) {
      this.panicSinceMs = undefined;
      this.maxPanicPods = 0;
    }
    let desired = stable;
    if (this.panicSinceMs !== undefined) {
      this.maxPanicPods = Math.max(this.maxPanicPods, panic);
      desired = this.maxPanicPods;
    }
    desired = Math.min(this.maxReplicas, desired);
    if (desired > 0 || current === 0) {
      this.zeroSinceMs = undefined;
      return desired;
    }
    this.zeroSinceMs ??= nowMs;
    return nowMs - this.zeroSinceMs >= KPA.scaleToZeroGraceSeconds * 1000 ? 0 : current;
  }
}

export const knative: PolicyKind = {
  name: 'knative-kpa',
  label: `Knative KPA: stable ${KPA.stableWindowSeconds} s, panic ${KPA.panicWindowSeconds} s at ${KPA.panicThreshold * 100} %, target ${KPA.targetUtilization * 100} % of concurrency, scale-to-zero grace ${KPA.scaleToZeroGraceSeconds} s`,
  create(target, random) {
    const kpa = new Kpa(target.imagesPerReplica * KPA.targetUtilization, target.maxReplicas);
    const concurrency = (view: DeploymentView) =>
      view.queued + view.pods.reduce((sum, pod) => sum + pod.inFlight, 0);
    return {
      initialReplicas: target.minReplicas,
      loops: [
        {
          name: 'metrics',
          everySeconds: 1,
          offsetSeconds: 0,
          observe(view) {
            kpa.record(view.nowMs, concurrency(view));
            return undefined;
          },
        },
        {
          name: 'kpa-tick',
          everySeconds: KPA.tickSeconds,
          offsetSeconds: uniform(random, 0, KPA.tickSeconds),
          observe(view) {
            const ready = view.pods.filter((pod) => pod.ready).length;
            return { replicas: kpa.decide(view.nowMs, ready, view.replicas) };
          },
        },
      ],
    };
  },
};
