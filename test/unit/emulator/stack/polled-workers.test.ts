/**
 * What the stack's workers share: progress of every batch seen (in flight = handed out and not
 * done, finished once the last image is done), the first errors kept with the workers' label,
 * and a poll loop that stops.
 */
import { describe, expect, it } from '@jest/globals';
import { PolledWorkers, type TrackedBatch } from '../../../../emulator/stack/polled-workers.js';

class Recording extends PolledWorkers {
  polls = 0;
  constructor() {
    super(5, 'test: ');
  }
  protected poll(): Promise<void> {
    this.polls++;
    return Promise.reject(new Error(`poll ${this.polls}`));
  }
  track(batch: TrackedBatch): void {
    this.batches.set(batch.batchId, batch);
  }
  fail(error: Error): void {
    this.note(error);
  }
  halted(): Promise<void> {
    return this.halt();
  }
}

describe('PolledWorkers', () => {
  it('reports each batch, oldest first, with what is in flight and when it finished', () => {
    const workers = new Recording();
    workers.track({ target: 't', batchId: 'a', total: 4, issued: 3, done: 1, firstSeenMs: 10 });
    workers.track({
      target: 't',
      batchId: 'b',
      total: 2,
      issued: 2,
      done: 2,
      firstSeenMs: 20,
      finishedMs: 30,
    });
    expect(workers.progress).toEqual([
      { target: 't', batchId: 'a', total: 4, done: 1, inFlight: 2, firstSeenMs: 10 },
      { target: 't', batchId: 'b', total: 2, done: 2, inFlight: 0, firstSeenMs: 20, finishedMs: 30 },
    ]);
  });

  it('keeps the first 20 errors, labelled', () => {
    const workers = new Recording();
    for (let i = 0; i < 25; i++) workers.fail(new Error(`e${i}`));
    expect(workers.errors).toHaveLength(20);
    expect(workers.errors[0]).toBe('test: e0');
  });

  it('notes what a poll throws, and polls no more once halted', async () => {
    const workers = new Recording();
    workers.start();
    while (workers.polls < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await workers.halted();
    const polls = workers.polls;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(workers.polls).toBe(polls);
    expect(workers.errors.slice(0, 2)).toEqual(['test: poll 1', 'test: poll 2']);
  });
});
