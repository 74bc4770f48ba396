// One table, two implementations: the stabilization-window rule of bench/sim/window.ts (the
// simulator's) and of reconcile.lua (the functions', in Redis) must give the same window maximum
// and keep the same entries, case by case.
import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Ledger } from '../../../../shared/redis/ledger.js';
import { pruneWindow, windowMax, type Recommendation } from '../../../../bench/sim/window.js';
import { redisForSuite } from '../../../support/redis-suite.js';

const S = 1000;
const T0 = 1_700_000_000_000;
const T = 'acme/resnet101/v1';

interface Case {
  readonly entries: ReadonlyArray<readonly [seconds: number, replicas: number]>;
  readonly now: number;
  readonly window: number;
  readonly max: number | undefined;
  /** Entries kept after the read, as seconds. */
  readonly kept: readonly number[];
}

// prettier-ignore
const CASES: ReadonlyArray<readonly [string, Case]> = [
  ['an empty window has no maximum',
    { entries: [], now: 10, window: 30, max: undefined, kept: [] }],
  ['the newer entry right after it still sees the older one',
    { entries: [[0, 10], [15, 2]], now: 16, window: 30, max: 10, kept: [0, 15] }],
  ['a value in effect when the window opened still counts',
    { entries: [[0, 10], [15, 2]], now: 31, window: 30, max: 10, kept: [0, 15] }],
  ['once superseded before the window opened, it is gone',
    { entries: [[0, 10], [15, 2]], now: 46, window: 30, max: 2, kept: [15] }],
  ['the newest entry before the window holds the window alone',
    { entries: [[0, 10], [15, 2]], now: 500, window: 30, max: 2, kept: [15] }],
  ['an entry exactly at the window start counts',
    { entries: [[0, 3], [10, 7]], now: 40, window: 30, max: 7, kept: [0, 10] }],
  ['an entry superseded exactly at the window start does not',
    { entries: [[0, 9], [10, 4], [40, 1]], now: 40, window: 30, max: 4, kept: [0, 10, 40] }],
  ['older entries than the one in effect at the start go',
    { entries: [[0, 9], [10, 4], [40, 1]], now: 45, window: 30, max: 4, kept: [10, 40] }],
  ['a lower value inside the window does not lower the maximum',
    { entries: [[100, 5], [110, 8], [120, 1]], now: 125, window: 60, max: 8, kept: [100, 110, 120] }],
  ['a zero-length window sees only an entry made now',
    { entries: [[0, 10], [46, 2]], now: 46, window: 0, max: 2, kept: [0, 46] }],
  ['a zero-length window with nothing made now is empty',
    { entries: [[0, 10], [15, 2]], now: 46, window: 0, max: undefined, kept: [15] }],
];

const recommendations = (c: Case): Recommendation[] =>
  c.entries.map(([seconds, replicas]) => ({ atMs: T0 + seconds * S, replicas }));

describe('stabilization window: bench/sim/window.ts and reconcile.lua agree', () => {
  const suite = redisForSuite();

  it.each(CASES)('%s', async (_name, c) => {
    const nowMs = T0 + c.now * S;
    const windowMs = c.window * S;
    const entries = recommendations(c);

    expect(windowMax(entries, nowMs, windowMs)).toBe(c.max);
    expect(pruneWindow(entries, nowMs, windowMs).map((e) => (e.atMs - T0) / S)).toEqual(c.kept);

    const ledger = new Ledger(`w-${randomUUID().slice(0, 8)}`);
    for (const entry of entries) {
      await ledger.record(suite.redis, T, { nowMs: entry.atMs, recommended: entry.replicas, from: 1, to: 1 });
    }
    const read = { nowMs, staleMs: 60 * S, windowMs, periodMs: 15 * S, mutate: true };
    const state = await ledger.sweepAndRead(suite.redis, T, read);
    expect(state.windowMax).toBe(c.max);
    const scores = await suite.redis.zrangebyscore(ledger.keys(T).window, '-inf', '+inf', 'WITHSCORES');
    const kept = scores.filter((_, i) => i % 2 === 1).map((ms) => (Number(ms) - T0) / S);
    expect(kept).toEqual(c.kept);
  });
});
