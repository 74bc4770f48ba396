/**
 * The one place that reads wall time. Everything else receives a Clock, so decisions can be
 * replayed on virtual time in tests and in the simulator.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for tests, the emulator and the simulator. */
export class ManualClock implements Clock {
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`cannot move a clock backwards (advance by ${ms} ms)`);
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
