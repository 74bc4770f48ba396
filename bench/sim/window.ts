/**
 * The stabilization window, as reconcile.lua keeps it in Redis: a recommendation is recorded only
 * when it differs from the last one and holds until the next, so the highest recommendation of
 * the last W seconds counts the one in effect when the window opened.
 *   e.g. W = 30 s; 10 recommended at t = 0, 2 at t = 15: at t = 31 the window [1, 31] still
 *   sees the 10 (in effect until t = 15), at t = 46 only the 2.
 * Pure; the one definition of the rule: used by the simulator, implemented in Redis by
 * reconcile.lua, and the two run against the same table of cases on a real redis-server.
 */
export interface Recommendation {
  readonly atMs: number;
  readonly replicas: number;
}

/** Appends a recommendation when it changes the last one; returns the (new) list. */
export function recordRecommendation(
  entries: readonly Recommendation[],
  atMs: number,
  replicas: number,
): Recommendation[] {
  return entries.at(-1)?.replicas === replicas ? [...entries] : [...entries, { atMs, replicas }];
}

/** Drops entries no longer in effect within the window (keeps the one in effect at its start). */
export function pruneWindow(
  entries: readonly Recommendation[],
  nowMs: number,
  windowMs: number,
): Recommendation[] {
  const start = nowMs - windowMs;
  const firstInside = entries.findIndex((entry) => entry.atMs >= start);
  if (firstInside === -1) return entries.slice(-1);
  return entries.slice(Math.max(0, firstInside - 1));
}

/** The highest recommendation in effect during [now - windowMs, now], if any. */
export function windowMax(
  entries: readonly Recommendation[],
  nowMs: number,
  windowMs: number,
): number | undefined {
  const start = nowMs - windowMs;
  let max: number | undefined;
  entries.forEach((entry, i) => {
    const inside = entry.atMs >= start;
    const inEffectAtStart =
      !inside && windowMs > 0 && (entries[i + 1]?.atMs ?? Number.POSITIVE_INFINITY) > start;
    if (inside || inEffectAtStart) max = Math.max(max ?? entry.replicas, entry.replicas);
  });
  return max;
}
