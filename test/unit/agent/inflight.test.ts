import { describe, expect, it } from '@jest/globals';
import { InFlight, type HeartbeatWriter } from '../../../agent/inflight.js';

/** A heartbeat writer whose writes finish when the test says. */
class SlowWriter implements HeartbeatWriter {
  readonly writes: number[] = [];
  private pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  heartbeat(n: number): Promise<void> {
    this.writes.push(n);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  async finish(fail = false): Promise<void> {
    for (const p of this.pending.splice(0)) {
      if (fail) p.reject(new Error('down'));
      else p.resolve();
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe('InFlight', () => {
  it('writes busy and idle at once, one write at a time', async () => {
    const writer = new SlowWriter();
    const inFlight = new InFlight({ writer, refreshMs: 60_000, coalesceMs: 60_000 });
    for (let i = 0; i < 200; i++) inFlight.enter(1);
    expect(writer.writes).toEqual([1]);
    await writer.finish();
    for (let i = 0; i < 200; i++) inFlight.leave(1);
    // 200 -> 0 is busy -> idle: deleted at once, though the count changed within coalesceMs.
    expect(writer.writes).toEqual([1, 0]);
    await writer.finish();
    expect(writer.writes).toEqual([1, 0]);
    inFlight.close();
  });

  it('coalesces a changed count while busy: the latest value, once coalesceMs has passed', async () => {
    const writer = new SlowWriter();
    const inFlight = new InFlight({ writer, refreshMs: 60_000, coalesceMs: 30 });
    inFlight.enter(1);
    await writer.finish();
    for (let i = 0; i < 99; i++) inFlight.enter(1);
    for (let i = 0; i < 40; i++) inFlight.leave(1);
    expect(writer.writes).toEqual([1]);
    while (writer.writes.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(writer.writes).toEqual([1, 60]);
    await writer.finish();
    await new Promise((r) => setTimeout(r, 60));
    expect(writer.writes).toEqual([1, 60]);
    for (let i = 0; i < 60; i++) inFlight.leave(1);
    await writer.finish();
    expect(writer.writes).toEqual([1, 60, 0]);
    inFlight.close();
  });

  it('counts images, not requests, in the heartbeat, and wakes idle() at zero', async () => {
    const writer = new SlowWriter();
    const inFlight = new InFlight({ writer, refreshMs: 60_000, coalesceMs: 60_000 });
    inFlight.enter(4);
    inFlight.enter(2);
    expect([inFlight.requests, inFlight.value]).toEqual([2, 6]);
    let idle = false;
    const waiting = inFlight.idle().then(() => (idle = true));
    inFlight.leave(4);
    await writer.finish();
    expect(idle).toBe(false);
    inFlight.leave(2);
    await waiting;
    await writer.finish();
    expect(writer.writes.at(-1)).toBe(0);
    inFlight.close();
  });

  it('tries a failed write again and reports the error', async () => {
    const writer = new SlowWriter();
    const errors: unknown[] = [];
    const inFlight = new InFlight({
      writer,
      refreshMs: 60_000,
      coalesceMs: 60_000,
      retryMs: 1,
      onError: (e) => errors.push(e),
    });
    inFlight.enter(1);
    await writer.finish(true);
    expect(errors).toHaveLength(1);
    while (writer.writes.length < 2) await new Promise((r) => setTimeout(r, 2));
    expect(writer.writes).toEqual([1, 1]);
    await writer.finish();
    inFlight.leave(1);
    await writer.finish();
    expect(writer.writes).toEqual([1, 1, 0]);
    inFlight.close();
  });
});
