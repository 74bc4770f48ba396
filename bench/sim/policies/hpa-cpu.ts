/**
 * Policy: a HorizontalPodAutoscaler on CPU, as it is commonly set up for TF Serving (60 % target,
 * minReplicas 1: an HPA cannot go to zero), with Kubernetes' default behavior.
 *
 * CPU model: an image in flight keeps its slot at 100 % of that slot's CPU share, so a pod's
 * utilization is images in flight / imagesPerReplica (1 image per replica: busy 100 %, idle 0 %).
 * Model loading is not counted as CPU.
 * Metrics pipeline: metrics-server scrapes every pod every 5 s here; each sync reads the sample
 * of a moment 15-60 s ago (seeded), as metrics-server resolution and the kubelet's window do. A
 * pod that was not Ready in that sample has no usable metric yet and counts as not Ready (the
 * HPA's CPU initialization rule).
 */
import type { DeploymentView, PolicyKind } from '../policy.js';
import { uniform } from '../random.js';
import { HPA_SYNC_SECONDS, hpaPolicy, resourceReplicas, type PodMetric } from './hpa.js';

export const CPU_TARGET = 0.6;
export const SCRAPE_SECONDS = 5;
export const LAG_SECONDS: readonly [number, number] = [15, 60];

interface Sample {
  readonly atMs: number;
  /** Utilization of each pod that was Ready at the sample, by pod name. */
  readonly ready: ReadonlyMap<string, number>;
}

export const hpaCpu: PolicyKind = {
  name: 'hpa-cpu',
  label: `HPA on CPU: ${CPU_TARGET * 100} % target, sync ${HPA_SYNC_SECONDS} s, metrics ${LAG_SECONDS[0]}-${LAG_SECONDS[1]} s old, min 1`,
  create(target, random) {
    let samples: Sample[] = [];
    const scrape = {
      name: 'metrics-server',
      everySeconds: SCRAPE_SECONDS,
      collect(view: DeploymentView) {
        const ready = new Map<string, number>();
        for (const pod of view.pods) {
          if (pod.ready) ready.set(pod.name, pod.inFlight / target.imagesPerReplica);
        }
        samples.push({ atMs: view.nowMs, ready });
        const keepFrom = view.nowMs - 2 * LAG_SECONDS[1] * 1000;
        if ((samples[0]?.atMs ?? Infinity) < keepFrom) samples = samples.filter((s) => s.atMs >= keepFrom);
      },
    };
    return hpaPolicy(target, random, scrape, (view) => {
      const lagMs = uniform(random, LAG_SECONDS[0], LAG_SECONDS[1]) * 1000;
      const sample = samples.findLast((s) => s.atMs <= view.nowMs - lagMs);
      if (sample === undefined) return undefined;
      const metrics: PodMetric[] = view.pods.map((pod) => {
        const utilization = sample.ready.get(pod.name);
        return pod.ready && utilization !== undefined
          ? { reporting: true, utilization }
          : { reporting: false, utilization: 0 };
      });
      return resourceReplicas(view.replicas, metrics, CPU_TARGET);
    });
  },
};
