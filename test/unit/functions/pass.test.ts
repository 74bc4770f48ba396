import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../../shared/clock.js';
import { boundedPass, rotate } from '../../../functions/pass.js';

describe('a bounded reconcile pass', () => {
  it('rotates where the list starts', () => {
    expect(rotate(['a', 'b', 'c', 'd'], 0)).toEqual(['a', 'b', 'c', 'd']);
    expect(rotate(['a', 'b', 'c', 'd'], 3)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('starts nothing after the deadline and reports those targets skipped, in list order', async () => {
    const clock = new ManualClock(1000);
    const started: string[] = [];
    const results = await boundedPass(
      ['a', 'b', 'c', 'd'],
      { clock, concurrency: 1, deadlineMs: 3000 },
      async (item) => {
        started.push(item);
        clock.advance(1000); // each target takes a second of the pass
        return Promise.resolve(`${item}: done`);
      },
      (item, reason) => `${item}: skipped (${reason})`,
    );
    expect(started).toEqual(['a', 'b']);
    expect(results).toEqual([
      'a: done',
      'b: done',
      'c: skipped (not reached before the pass deadline)',
      'd: skipped (not reached before the pass deadline)',
    ]);
  });

  it('gives up on a target still running at the deadline', async () => {
    const clock = new ManualClock(0);
    const never = new Promise<string>(() => undefined);
    const results = await boundedPass(
      ['slow', 'fast'],
      { clock, concurrency: 2, deadlineMs: 20 },
      (item) => (item === 'slow' ? never : Promise.resolve('fast: done')),
      (item, reason) => `${item}: ${reason}`,
    );
    expect(results).toEqual(['slow: still running at the pass deadline; given up', 'fast: done']);
  });
});
