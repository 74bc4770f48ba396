/**
 * The little of the Prometheus text exposition format (version 0.0.4) the agent needs: counters
 * and gauges with labels, and a histogram, each rendered with its HELP and TYPE lines. Written
 * here rather than taken from a client library because the sidecar's whole budget is tens of
 * megabytes and the usual client (with its tracing dependency) costs about 18 MB of it.
 */
export type Labels = Readonly<Record<string, string>>;

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function number(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

interface Metric {
  render(): string[];
}

abstract class Family<V> implements Metric {
  protected readonly series = new Map<string, { labels: Labels; value: V }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}

  protected entry(labels: Labels, initial: () => V): { labels: Labels; value: V } {
    const key = labelText(labels);
    let found = this.series.get(key);
    if (!found) {
      found = { labels, value: initial() };
      this.series.set(key, found);
    }
    return found;
  }

  protected abstract lines(labels: Labels, value: V): string[];

  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) out.push(...this.lines(labels, value));
    return out;
  }
}

export class Counter extends Family<number> {
  constructor(name: string, help: string, preset: Labels[] = [{}]) {
    super(name, help, 'counter');
    for (const labels of preset) this.entry(labels, () => 0);
  }
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => 0).value += by;
  }
  get(labels: Labels = {}): number {
    return this.series.get(labelText(labels))?.value ?? 0;
  }
  protected lines(labels: Labels, value: number): string[] {
    return [`${this.name}${labelText(labels)} ${number(value)}`];
  }
}

/** A value read when scraped: a gauge, or a counter kept elsewhere (CPU time). */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} ${this.type}`,
      `${this.name} ${number(this.read())}`,
    ];
  }
}

interface Buckets {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<Buckets> {
  constructor(
    name: string,
    help: string,
    private readonly bounds: readonly number[],
  ) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, value: number): void {
    const b = this.entry(labels, () => ({ counts: this.bounds.map(() => 0), sum: 0, count: 0 })).value;
    for (let i = 0; i < this.bounds.length; i++) if (value <= (this.bounds[i] as number)) b.counts[i]!++;
    b.sum += value;
    b.count++;
  }
  protected lines(labels: Labels, b: Buckets): string[] {
    const out = this.bounds.map(
      (le, i) => `${this.name}_bucket${labelText({ ...labels, le: number(le) })} ${b.counts[i]}`,
    );
    out.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${b.count}`);
    out.push(
      `${this.name}_sum${labelText(labels)} ${number(b.sum)}`,
      `${this.name}_count${labelText(labels)} ${b.count}`,
    );
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  text(): string {
    return this.metrics.flatMap((m) => m.render()).join('\n') + '\n';
  }
}
