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
  it('coalesces: one write at a time, then the latest value', async () => {
    const writer = new SlowWriter();
    const inFlight = new InFlight({ writer, refreshMs: 60_000 });
    for (let i = 0; i < 200; i++) inFlight.enter(1);
    expect(writer.writes).toEqual([1]);
    await writer.finish();
    expect(writer.writes).toEqual([1, 200]);
    for (let i = 0; i < 200; i++) inFlight.leave(1);
    await writer.finish();
    expect(writer.writes).toEqual([1, 200, 0]);
    await writer.finish();
    expect(writer.writes).toEqual([1, 200, 0]);
    inFlight.close();
  });

  it('counts images, not requests, in the heartbeat, and wakes idle() at zero', async () => {
    const writer = new SlowWriter();
    const inFlight = new InFlight({ writer, refreshMs: 60_000 });
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
    const inFlight = new InFlight({ writer, refreshMs: 60_000, retryMs: 1, onError: (e) => errors.push(e) });
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
