/**
 * Policy: prescaler itself, driving the decision core exactly as the functions do.
 * - prescale, on each announcement: the batch is in the ledger, `sizeFor` sizes the target's
 *   outstanding work and the Deployment goes to max(current, desired) at once (prescale never
 *   lowers), e.g. 400 images at 1 per replica, max 50 -> 50.
 * - reconcile, every 15 s: `decideTarget`, the reconcile function's own decision, with the
 *   target's scaleIn settings, the stabilization window (bench/sim/window.ts, the rule reconcile.lua
 *   keeps in Redis: prescale and each pass record their desired count when it changes), the
 *   scale-in history (each scale-in remembered for the longest policy period) and the pods with
 *   the images each holds.
 * The `unranked` variant is the same but trusts the ReplicaSet to pick victims (no annotations,
 * mustKeep 0): it shows what the ranking is for.
 */
import type { ScaleInEvent } from '../../../shared/redis/ledger.js';
import { decideTarget } from '../../../shared/decide.js';
import { sizeFor, type WorkSummary } from '../../../shared/sizing.js';
import { pruneWindow, recordRecommendation, windowMax, type Recommendation } from '../window.js';
import type { DeploymentView, PolicyKind } from '../policy.js';
import { uniform } from '../random.js';

export const RECONCILE_SECONDS = 15;

export interface PrescalerOptions {
  readonly reconcileSeconds?: number;
  /** False: no pod ranking, the ReplicaSet picks the pods to remove on its own. */
  readonly rank?: boolean;
}

function workOf(view: DeploymentView): WorkSummary {
  return { outstanding: view.outstanding, openBatches: view.openBatches, deadlines: [] };
}

export function prescalerPolicy(options: PrescalerOptions = {}): PolicyKind {
  const every = options.reconcileSeconds ?? RECONCILE_SECONDS;
  const rank = options.rank ?? true;
  return {
    name: rank ? 'prescaler' : 'prescaler-unranked',
    label: rank
      ? `prescaler: prescale on announcement, reconcile every ${every} s, pods ranked`
      : `prescaler without pod ranking (ReplicaSet picks victims), reconcile every ${every} s`,
    create(target, random) {
      const windowMs = target.scaleIn.stabilizationSeconds * 1000;
      const periodMs = Math.max(...target.scaleIn.policies.map((p) => p.periodSeconds)) * 1000;
      let window: Recommendation[] = [];
      let scaleIns: ScaleInEvent[] = [];
      return {
        initialReplicas: target.minReplicas,
        announce(_batch, view) {
          const sizing = sizeFor(target, workOf(view), view.nowMs);
          window = recordRecommendation(window, view.nowMs, sizing.replicas);
          return { replicas: Math.max(view.replicas, sizing.replicas) };
        },
        loops: [
          {
            name: 'reconcile',
            everySeconds: every,
            offsetSeconds: uniform(random, 0, every),
            observe(view) {
              const nowMs = view.nowMs;
              // As reconcile.lua: entries no longer in effect / older than the longest period go.
              window = pruneWindow(window, nowMs, windowMs);
              scaleIns = scaleIns.filter((event) => event.atMs >= nowMs - periodMs);
              const decision = decideTarget({
                target,
                nowMs,
                ledger: {
                  work: workOf(view),
                  windowMax: windowMax(window, nowMs, windowMs),
                  recentScaleIns: scaleIns,
                },
                deployment: { replicas: view.replicas, paused: false },
                pods: view.pods,
                rank,
              });
              window = recordRecommendation(window, nowMs, decision.desired);
              if (decision.to < view.replicas)
                scaleIns.push({ atMs: nowMs, from: view.replicas, to: decision.to });
              return { replicas: decision.to, annotations: decision.annotations };
            },
          },
        ],
      };
    },
  };
}

export const prescaler = prescalerPolicy();
export const prescalerUnranked = prescalerPolicy({ rank: false });
