import { describe, expect, it } from '@jest/globals';
import { ProgressWriter, type CountSink } from '../../../agent/progress-writer.js';
import { ManualClock } from '../../../shared/clock.js';

/** A count sink that fails while `down` is set, and records what it took. */
class Sink implements CountSink {
  down = false;
  readonly taken: Array<[string, string, number]> = [];
  done(batchId: string, n: number): Promise<void> {
    return this.take('done', batchId, n);
  }
  failed(batchId: string, n: number): Promise<void> {
    return this.take('failed', batchId, n);
  }
  private take(kind: string, batchId: string, n: number): Promise<void> {
    if (this.down) return Promise.reject(new Error('Redis is down'));
    this.taken.push([kind, batchId, n]);
    return Promise.resolve();
  }
}

const sum = (sink: Sink, kind: string, batch: string) =>
  sink.taken.filter(([k, b]) => k === kind && b === batch).reduce((s, [, , n]) => s + n, 0);

describe('ProgressWriter', () => {
  it('writes every count, summing what waits', async () => {
    const sink = new Sink();
    const writer = new ProgressWriter({ sink, clock: new ManualClock(0), retryMs: 60_000, lingerMs: 0 });
    for (let i = 0; i < 50; i++) writer.add(i % 5 === 0 ? 'failed' : 'done', 'b1', 2);
    await writer.drained();
    expect([sum(sink, 'done', 'b1'), sum(sink, 'failed', 'b1')]).toEqual([80, 20]);
    expect(sink.taken.length).toBeLessThan(50);
  });

  it('lets counts linger so that one write takes every count of the batch that came meanwhile', async () => {
    const sink = new Sink();
    const writer = new ProgressWriter({ sink, clock: new ManualClock(0), retryMs: 60_000, lingerMs: 40 });
    for (let i = 0; i < 10; i++) writer.add('done', 'b1', 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(sink.taken).toEqual([]);
    for (let i = 0; i < 10; i++) writer.add('done', 'b1', 2);
    writer.add('failed', 'b1', 1);
    await writer.drained();
    expect(sink.taken).toEqual([
      ['done', 'b1', 30],
      ['failed', 'b1', 1],
    ]);
  });

  it('keeps counts while the sink fails and writes them when it is back', async () => {
    const sink = new Sink();
    const errors: unknown[] = [];
    const writer = new ProgressWriter({
      sink,
      clock: new ManualClock(0),
      retryMs: 60_000,
      lingerMs: 0,
      onError: (e) => errors.push(e),
    });
    sink.down = true;
    writer.add('done', 'b1', 3);
    writer.add('done', 'b2', 1);
    while (errors.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(writer.pendingImages).toBe(4);
    sink.down = false;
    await writer.drained();
    expect([sum(sink, 'done', 'b1'), sum(sink, 'done', 'b2')]).toEqual([3, 1]);
    expect(writer.pendingImages).toBe(0);
  });

  it('gives a count up as lost once it waited longer than the bound, and says so', async () => {
    const sink = new Sink();
    const clock = new ManualClock(0);
    const lost: Array<[string, string, number]> = [];
    const writer = new ProgressWriter({
      sink,
      clock,
      retryMs: 1000,
      lingerMs: 0,
      onLost: (kind, batchId, n) => lost.push([kind, batchId, n]),
    });
    sink.down = true;
    writer.add('failed', 'b1', 5);
    await new Promise((r) => setTimeout(r, 5));
    clock.advance(1000);
    await writer.drained();
    expect(lost).toEqual([['failed', 'b1', 5]]);
    expect(sink.taken).toEqual([]);
  });

  it('close() gives up what still waits, as lost', async () => {
    const sink = new Sink();
    const lost: number[] = [];
    const writer = new ProgressWriter({
      sink,
      clock: new ManualClock(0),
      retryMs: 60_000,
      lingerMs: 0,
      onLost: (_k, _b, n) => lost.push(n),
    });
    sink.down = true;
    writer.add('done', 'b1', 7);
    await new Promise((r) => setTimeout(r, 5));
    writer.close();
    await writer.drained();
    expect(lost).toEqual([7]);
  });
});
