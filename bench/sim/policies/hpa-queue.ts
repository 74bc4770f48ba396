/**
 * Policy: an HPA on TorchServe's queue latency through Prometheus and the Prometheus Adapter (the
 * TorchServe autoscaler system): an External metric `ts_queue_latency_microseconds` with
 * targetValue 7000000m (7,000 µs), Kubernetes' default behavior (300 s scale-down window),
 * minReplicas 1. Three stages, each with its own clock:
 * 1. Prometheus scrapes the model servers every 60 s (the prometheus chart's default
 *    scrape_interval: 1m): the counters of images taken off the queue and their summed wait.
 * 2. The Prometheus Adapter answers the HPA from what Prometheus holds: the mean queue latency
 *    of the images dequeued between the last two scrapes, in µs (0 when none were). The seed's
 *    rule serves the raw counter; read literally it only grows and the HPA would never scale in,
 *    so the simulator gives the HPA the per-image latency the metric's name promises.
 * 3. The HPA syncs every 15 s: Value target, ceil(current * value / 7000) (10 % tolerance), then
 *    the default stabilization and rate limits (+100 % or +4 pods per 15 s; 300 s window down).
 * e.g. images waiting 20 s on average -> 20,000,000 / 7000 = 2857x -> max; 0 µs -> 0 -> the
 * window's highest for 300 s, then minReplicas.
 * A queue that forms at t is seen at the first scrape after an image waited, and acted on at the
 * first sync after that: never before scrape + adapter + sync have passed.
 */
import type { DeploymentView, PolicyKind } from '../policy.js';
import { HPA_SYNC_SECONDS, HPA_TOLERANCE, hpaPolicy } from './hpa.js';

export const QUEUE_LATENCY_TARGET_US = 7000;
export const PROMETHEUS_SCRAPE_SECONDS = 60;

interface Scrape {
  readonly atMs: number;
  readonly started: number;
  readonly waitedMs: number;
}

/** What the adapter answers from the last two scrapes: mean µs waited per dequeued image. */
export function adapterValue(scrapes: readonly Scrape[]): number | undefined {
  const last = scrapes.at(-1);
  const before = scrapes.at(-2);
  if (last === undefined || before === undefined) return undefined; // a rate needs two samples
  const started = last.started - before.started;
  return started === 0 ? 0 : ((last.waitedMs - before.waitedMs) * 1000) / started;
}

/** GetExternalMetricReplicas with a Value target: ceil(current * value / target). */
export function valueReplicas(current: number, value: number, target: number): number {
  const ratio = value / target;
  if (Math.abs(1 - ratio) <= HPA_TOLERANCE) return current;
  return Math.ceil(ratio * current);
}

export const hpaQueue: PolicyKind = {
  name: 'hpa-queue',
  label: `HPA on TorchServe queue latency: ${QUEUE_LATENCY_TARGET_US} µs target, Prometheus scrape ${PROMETHEUS_SCRAPE_SECONDS} s, adapter, sync ${HPA_SYNC_SECONDS} s, min 1`,
  create(target, random) {
    let scrapes: Scrape[] = [];
    const prometheus = {
      name: 'prometheus',
      everySeconds: PROMETHEUS_SCRAPE_SECONDS,
      collect(view: DeploymentView) {
        scrapes = [
          ...scrapes.slice(-1),
          { atMs: view.nowMs, started: view.started ?? 0, waitedMs: view.waitedMs ?? 0 },
        ];
      },
    };
    return hpaPolicy(target, random, prometheus, (view) => {
      const value = adapterValue(scrapes);
      return value === undefined
        ? undefined
        : valueReplicas(view.pods.length, value, QUEUE_LATENCY_TARGET_US);
    });
  },
};
