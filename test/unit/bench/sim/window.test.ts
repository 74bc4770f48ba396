import { describe, expect, it } from '@jest/globals';
import {
  pruneWindow,
  recordRecommendation,
  windowMax,
  type Recommendation,
} from '../../../../bench/sim/window.js';

const S = 1000;

describe('stabilization window', () => {
  const entries: Recommendation[] = [
    { atMs: 0, replicas: 10 },
    { atMs: 15 * S, replicas: 2 },
  ];

  it.each([
    ['the newer one alone right after it', 16 * S, 10],
    ['a value in effect when the window opened still counts', 31 * S, 10],
    ['once superseded before the window opened, it is gone', 46 * S, 2],
    ['a zero-length window sees only entries made now', 46 * S, undefined],
  ])('%s', (_case, now, expected) => {
    const length = expected === undefined ? 0 : 30 * S;
    expect(windowMax(entries, now, length)).toBe(expected);
  });

  it('records only changes', () => {
    let list = recordRecommendation([], 0, 4);
    list = recordRecommendation(list, 5 * S, 4);
    list = recordRecommendation(list, 9 * S, 3);
    expect(list).toEqual([
      { atMs: 0, replicas: 4 },
      { atMs: 9 * S, replicas: 3 },
    ]);
  });

  it('prunes to the entries that still matter', () => {
    const list = [
      { atMs: 0, replicas: 9 },
      { atMs: 10 * S, replicas: 4 },
      { atMs: 40 * S, replicas: 1 },
    ];
    expect(pruneWindow(list, 45 * S, 30 * S)).toEqual(list.slice(1));
    expect(pruneWindow(list, 200 * S, 30 * S)).toEqual(list.slice(2));
  });
});
