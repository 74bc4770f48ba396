import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../../shared/clock.js';

describe('ManualClock', () => {
  it('moves only when advanced', () => {
    const clock = new ManualClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(250);
    expect(clock.now()).toBe(1250);
  });

  it('refuses to go backwards', () => {
    expect(() => new ManualClock(0).advance(-1)).toThrow(/backwards/);
  });
});
