/**
 * The simulator's event queue: a binary min-heap keyed by virtual time. Events at the same time
 * come out in the order they were scheduled, so a run is deterministic.
 */
interface Entry<T> {
  readonly atMs: number;
  readonly seq: number;
  readonly event: T;
}

export class EventQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, event: T): void {
    if (!Number.isFinite(atMs)) throw new RangeError(`event time must be finite, got ${atMs}`);
    this.heap.push({ atMs, seq: this.seq++, event });
    this.up(this.heap.length - 1);
  }

  /** The time of the next event, or undefined when the queue is empty. */
  peekTime(): number | undefined {
    return this.heap[0]?.atMs;
  }

  pop(): { atMs: number; event: T } | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop() as Entry<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return { atMs: top.atMs, event: top.event };
  }

  private before(i: number, j: number): boolean {
    const a = this.heap[i] as Entry<T>;
    const b = this.heap[j] as Entry<T>;
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as Entry<T>;
    this.heap[i] = this.heap[j] as Entry<T>;
    this.heap[j] = a;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < this.heap.length && this.before(left, first)) first = left;
      if (right < this.heap.length && this.before(right, first)) first = right;
      if (first === i) return;
      this.swap(i, first);
      i = first;
    }
  }
}
