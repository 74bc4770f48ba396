/**
 * What keeps reconcile's scale-in safe beyond the decision itself:
 * - expiry only when the whole target shows no progress for staleSeconds while it has Ready
 *   pods (while none is Ready nothing expires, and the report warns);
 * - the grace-period check: a removed pod must be able to finish what it holds within its
 *   terminationGracePeriodSeconds (imagesPerReplica x secondsPerImage + a margin);
 * - one owner per Deployment: an HPA or KEDA ScaledObject on it is a conflict, not a fight;
 * - the fenced, write-ahead scale-in: recorded (if no work was registered since the ledger was
 *   read) before it is written, and checked again after the write.
 */
import type { TargetSpec } from '../shared/config/registry.js';
import { KubeApiError } from '../shared/errors.js';
import { scaleUpTo, type DeploymentState, type ScaleApi } from '../shared/kube/scale-api.js';
import type { Logger } from '../shared/log.js';
import { withRedis, type RedisHandle } from '../shared/redis/client.js';
import type { ExpiredBatch, Ledger, ReconcileState } from '../shared/redis/ledger.js';
import { sizeFor, type WorkSummary } from '../shared/sizing.js';

/** Seconds added to imagesPerReplica x secondsPerImage for a pod's shutdown itself. */
export const GRACE_MARGIN_SECONDS = 10;

/** The grace period a replica needs to finish what it holds, if secondsPerImage is known. */
export function graceNeeded(
  target: Pick<TargetSpec, 'imagesPerReplica' | 'secondsPerImage'>,
): number | undefined {
  return target.secondsPerImage === undefined
    ? undefined
    : Math.ceil(target.imagesPerReplica * target.secondsPerImage + GRACE_MARGIN_SECONDS);
}

const graceWarned = new Set<string>();
export const GRACE_WARNING_PREFIX = 'terminationGracePeriodSeconds is';

/** A warning when the Deployment's grace period is too short; logged once per instance. */
export function graceWarning(target: TargetSpec, graceSeconds: number, logger: Logger): string | undefined {
  const needed = graceNeeded(target);
  if (needed === undefined || graceSeconds >= needed) return undefined;
  const warning =
    `${GRACE_WARNING_PREFIX} ${graceSeconds}s but a replica needs ${needed}s to finish what it holds ` +
    `(${target.imagesPerReplica} images x ${target.secondsPerImage}s + ${GRACE_MARGIN_SECONDS}s): ` +
    'a pod removed while busy (readiness flap, node drain) may be killed mid-image';
  const key = `${target.name}:${graceSeconds}`;
  if (!graceWarned.has(key)) {
    graceWarned.add(key);
    logger.log('WARNING', `${target.name}: ${warning}`, {
      event: 'grace_too_short',
      target: target.name,
      graceSeconds,
      neededSeconds: needed,
      hint: `set terminationGracePeriodSeconds to at least ${needed} in the Deployment's pod template`,
    });
  }
  return warning;
}

export interface ExpiryOutcome {
  readonly work: WorkSummary;
  readonly expired: readonly ExpiredBatch[];
  readonly warnings: readonly string[];
}

/**
 * Expires the target's work if it has been stalled for staleSeconds and the Deployment has
 * Ready pods; without Ready pods nothing expires and the stale clock starts again.
 */
export async function expireIfStalled(
  redis: RedisHandle,
  ledger: Ledger,
  target: TargetSpec,
  state: ReconcileState,
  deployment: Pick<DeploymentState, 'readyReplicas'>,
  options: { nowMs: number; dryRun: boolean },
): Promise<ExpiryOutcome> {
  const staleMs = target.scaleIn.staleSeconds * 1000;
  if (state.stalledMs === undefined || state.stalledMs < staleMs) {
    return { work: state.work, expired: [], warnings: [] };
  }
  const ready = deployment.readyReplicas > 0;
  const expiry = await withRedis(redis, (client) =>
    ledger.expire(client, target.name, { nowMs: options.nowMs, staleMs, ready, mutate: !options.dryRun }),
  );
  const warnings = ready
    ? []
    : [
        `no progress for ${Math.round(state.stalledMs / 1000)}s but no pod is Ready (waiting for nodes, images ` +
          'or a failing readiness probe?): nothing expires until pods are Ready',
      ];
  return { work: expiry.work ?? state.work, expired: expiry.expired, warnings };
}

export interface FencedScaleIn {
  readonly generation: number;
  readonly nowMs: number;
  readonly recommended: number;
  readonly from: number;
  readonly to: number;
  readonly resourceVersion: string;
  readonly decision: Record<string, unknown>;
}

export type FenceOutcome =
  | { readonly written: true; readonly repairedTo?: number }
  | { readonly written: false; readonly reason: string };

/**
 * Records the scale-in ahead of its write while the fence stands, then writes it. A write the
 * API refused takes its record back; any other failure leaves it, which only slows the next
 * pass. If work was registered while the write was in flight, the target is scaled up again at
 * once to what the work needs.
 */
export async function fencedScaleIn(
  redis: RedisHandle,
  ledger: Ledger,
  api: ScaleApi,
  target: TargetSpec,
  scaleIn: FencedScaleIn,
): Promise<FenceOutcome> {
  const recorded = await withRedis(redis, (client) => ledger.recordScaleIn(client, target.name, scaleIn));
  if (!recorded) {
    return { written: false, reason: 'new work was registered during the pass (fence moved); not scaled in' };
  }
  try {
    await api.writeScale(target, scaleIn.to, scaleIn.resourceVersion);
  } catch (error) {
    if (error instanceof KubeApiError && error.status !== undefined) {
      await withRedis(redis, (client) =>
        ledger.unrecordScaleIn(client, target.name, {
          atMs: scaleIn.nowMs,
          from: scaleIn.from,
          to: scaleIn.to,
        }),
      ).catch(() => undefined);
    }
    throw error;
  }
  const after = await withRedis(redis, async (client) => {
    const generation = await ledger.generation(client, target.name);
    if (generation === scaleIn.generation) return undefined;
    return ledger.sweepAndRead(client, target.name, {
      nowMs: scaleIn.nowMs,
      staleMs: target.scaleIn.staleSeconds * 1000,
      windowMs: 0,
      periodMs: 0,
      mutate: false,
    });
  }).catch(() => undefined);
  if (after === undefined) return { written: true };
  const needed = sizeFor(target, after.work, scaleIn.nowMs).replicas;
  if (needed <= scaleIn.to) return { written: true };
  const up = await scaleUpTo(api, target, needed);
  return { written: true, repairedTo: up.to };
}
