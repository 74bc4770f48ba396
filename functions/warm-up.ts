/**
 * Instance warm-up: at instance start, before any event, open what the first event would
 * otherwise open itself: the Redis connection, and for each cluster of the registry the
 * Kubernetes client, its credentials (GKE endpoint, CA, access token) and one TLS connection kept
 * alive (a read of one target's Scale). The first event then pays only its round trips.
 * Never fatal: a failed part is logged as a WARNING and left for the first event, which connects
 * again and reports its fault the usual way.
 */
import type { ClusterRef, TargetSpec } from '../shared/config/registry.js';
import type { FunctionDeps } from './deps.js';

export interface WarmUpReport {
  readonly ms: number;
  /** What failed, by part ("redis", "cluster <ref>"). */
  readonly failed: ReadonlyArray<{ readonly part: string; readonly error: string }>;
}

/** One target per distinct cluster: reading its Scale opens that cluster's connection. */
function oneTargetPerCluster(targets: readonly TargetSpec[]): Map<string, TargetSpec> {
  const byCluster = new Map<string, TargetSpec>();
  for (const target of targets) {
    const key = JSON.stringify(target.cluster satisfies ClusterRef);
    if (!byCluster.has(key)) byCluster.set(key, target);
  }
  return byCluster;
}

export async function warmUp(deps: FunctionDeps): Promise<WarmUpReport> {
  const started = deps.clock.now();
  const failed: Array<{ part: string; error: string }> = [];
  const parts: Array<Promise<void>> = [
    deps.redis.warm().then((error) => {
      if (error) failed.push({ part: 'redis', error: error.message });
    }),
  ];
  for (const [cluster, target] of oneTargetPerCluster(deps.settings.registry.targets)) {
    parts.push(
      deps.clusters
        .apiFor(target.cluster)
        .then((api) => api.readScale(target))
        .then(
          () => undefined,
          (error: unknown) => {
            failed.push({ part: `cluster ${cluster}`, error: (error as Error).message });
          },
        ),
    );
  }
  await Promise.all(parts);
  const report = { ms: deps.clock.now() - started, failed };
  if (failed.length > 0) {
    deps.logger.log('WARNING', 'warm-up incomplete; the first event connects again', {
      event: 'warm_up_failed',
      ...report,
    });
  } else {
    deps.logger.log('DEBUG', `instance warmed in ${report.ms} ms`, { event: 'warm_up', ...report });
  }
  return report;
}
