import { describe, expect, it } from '@jest/globals';
import { EventQueue } from '../../../../bench/sim/queue.js';

function drain<T>(queue: EventQueue<T>): Array<[number, T]> {
  const out: Array<[number, T]> = [];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) out.push([next.atMs, next.event]);
  return out;
}

describe('EventQueue', () => {
  it('hands events out in time order, whatever order they were pushed in', () => {
    const queue = new EventQueue<string>();
    for (const [at, name] of [
      [50, 'e'],
      [10, 'a'],
      [40, 'd'],
      [20, 'b'],
      [30, 'c'],
      [0, 'start'],
    ] as const) {
      queue.push(at, name);
    }
    expect(queue.peekTime()).toBe(0);
    expect(drain(queue)).toEqual([
      [0, 'start'],
      [10, 'a'],
      [20, 'b'],
      [30, 'c'],
      [40, 'd'],
      [50, 'e'],
    ]);
    expect(queue.size).toBe(0);
  });

  it('keeps events of the same time in the order they were pushed', () => {
    const queue = new EventQueue<number>();
    for (let i = 0; i < 20; i++) queue.push(i % 2 === 0 ? 100 : 5, i);
    const order = drain(queue).map(([, i]) => i);
    expect(order).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('stays ordered when events are pushed while it drains', () => {
    const queue = new EventQueue<number>();
    queue.push(10, 10);
    queue.push(30, 30);
    const first = queue.pop();
    queue.push(20, 20);
    expect(first?.atMs).toBe(10);
    expect(drain(queue).map(([at]) => at)).toEqual([20, 30]);
  });

  it('refuses a time that is not a finite number', () => {
    const queue = new EventQueue<string>();
    expect(() => queue.push(Number.NaN, 'x')).toThrow('event time must be finite');
    expect(() => queue.push(Infinity, 'x')).toThrow(RangeError);
  });
});
