/**
 * prescaler's targets on the seeds' burst workload (seed 1), against every other system (the
 * peers, with their documented defaults):
 *   p95 turnaround <= 1.05x the ideal;
 *   p95 <= 0.75x the best peer's p95 with no announcement lead, <= 0.5x with a 30 s lead;
 *   replica-seconds no more than the thriftiest peer's;
 *   no image interrupted.
 * A miss carries its reason, worked out from the figures.
 */
import type { Summary } from '../sim/metrics.js';
import type { Result } from '../suite.js';

export const SUITE = 'policies';

export interface Peer {
  readonly name: string;
  readonly summary: Summary;
}

function best(peers: readonly Peer[], pick: (s: Summary) => number): Peer {
  return peers.reduce((a, b) => (pick(b.summary) < pick(a.summary) ? b : a));
}

export function burstTargets(
  ours: Summary,
  peers: readonly Peer[],
  early: { readonly ours: Summary; readonly peers: readonly Peer[]; readonly leadSeconds: number },
): Result[] {
  const fastest = best(peers, (s) => s.p95Seconds);
  const vsBest = ours.p95Seconds / fastest.summary.p95Seconds;
  const fastestEarly = best(early.peers, (s) => s.p95Seconds);
  const vsBestEarly = early.ours.p95Seconds / fastestEarly.summary.p95Seconds;
  const thrifty = best(peers, (s) => s.replicaSeconds);
  const cost = ours.replicaSeconds / thrifty.summary.replicaSeconds;
  const bound = (peer: Peer, factor: number) =>
    `the best peer, ${peer.name}, is at ${peer.summary.p95Ratio.toFixed(2)}x the ideal, so ${factor}x of it is ` +
    `${(factor * peer.summary.p95Ratio).toFixed(2)}x the ideal; prescaler is at ${ours.p95Ratio.toFixed(2)}x: ` +
    'a policy that starts its pods when the images land cannot beat the cold-start bound';
  return [
    {
      suite: SUITE,
      metric: 'burst: prescaler p95 turnaround / ideal',
      value: ours.p95Ratio,
      unit: 'x',
      target: '<= 1.05x',
      pass: ours.p95Ratio <= 1.05,
      reason: `p95 ${ours.p95Seconds.toFixed(1)} s; batches queue behind earlier ones or wait for a reconcile pass`,
    },
    {
      suite: SUITE,
      metric: `burst: prescaler p95 / best peer p95 (${fastest.name})`,
      value: vsBest,
      unit: 'x',
      target: '<= 0.75x',
      pass: vsBest <= 0.75,
      reason: bound(fastest, 0.75),
    },
    {
      suite: SUITE,
      metric: `burst, announced ${early.leadSeconds} s ahead: prescaler p95 / best peer p95 (${fastestEarly.name})`,
      value: vsBestEarly,
      unit: 'x',
      target: '<= 0.5x',
      pass: vsBestEarly <= 0.5,
      reason:
        `prescaler p95 ${early.ours.p95Seconds.toFixed(1)} s against ${fastestEarly.name}'s ` +
        `${fastestEarly.summary.p95Seconds.toFixed(1)} s (${fastestEarly.summary.p95Ratio.toFixed(2)}x ideal)` +
        (fastestEarly.name === 'cron-redis'
          ? ': the Redis number is written by the pipeline at its start too, so the cron gains the same head start'
          : ''),
    },
    {
      suite: SUITE,
      metric: `burst: prescaler replica-seconds / thriftiest peer (${thrifty.name})`,
      value: cost,
      unit: 'x',
      target: '<= 1x',
      pass: cost <= 1,
      reason:
        `${thrifty.name} uses ${Math.round(thrifty.summary.replicaSeconds)} replica-seconds at ` +
        `${thrifty.summary.p95Ratio.toFixed(2)}x the ideal with ${thrifty.summary.interrupted} image(s) interrupted ` +
        `against prescaler's ${Math.round(ours.replicaSeconds)}: prescaler holds pods through its 60 s window and ` +
        'steps of at most 50 % per 30 s and never removes a busy pod',
    },
    {
      suite: SUITE,
      metric: 'burst: prescaler images interrupted',
      value: ours.interrupted,
      unit: 'images',
      target: '= 0',
      pass: ours.interrupted === 0,
      reason: 'a scale-in removed a pod holding an image',
    },
  ];
}
