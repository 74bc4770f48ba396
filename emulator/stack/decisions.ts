/**
 * The functions' decisions as the stack sees them: each function process prints one JSON line
 * per event (shared/log.ts); this keeps the lines that say something changed or went wrong
 * (prescale, a reconcile that scaled, rejects, failures) and hands them to listeners.
 */
export interface DecisionLine {
  /** Stack clock time the line was read. */
  readonly atMs: number;
  readonly source: 'prescale' | 'reconcile';
  readonly severity: string;
  readonly event: string;
  readonly message: string;
  readonly target?: string;
  readonly batchId?: string;
  readonly from?: number;
  readonly to?: number;
  readonly reason?: string;
  readonly latencyMs?: number;
  readonly fields: Record<string, unknown>;
}

const KEPT = new Set([
  'prescale',
  'prescale_unrecorded',
  'prescale_failed',
  'rejected',
  'reconcile',
  'reconcile_failed',
  'batches_expired',
  'config_invalid',
]);

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parses one output line of a function; undefined for lines that are not kept decisions. */
export function parseDecision(
  line: string,
  source: 'prescale' | 'reconcile',
  atMs: number,
): DecisionLine | undefined {
  if (!line.startsWith('{')) return undefined;
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const event = str(fields.event);
  if (event === undefined || !KEPT.has(event)) return undefined;
  // A reconcile pass that changed nothing is logged at DEBUG; it is not a decision.
  if (event === 'reconcile' && fields.severity === 'DEBUG') return undefined;
  return {
    atMs,
    source,
    severity: str(fields.severity) ?? 'INFO',
    event,
    message: str(fields.message) ?? '',
    ...(str(fields.target) !== undefined ? { target: str(fields.target) } : {}),
    ...(str(fields.batchId) !== undefined ? { batchId: str(fields.batchId) } : {}),
    ...(num(fields.from) !== undefined ? { from: num(fields.from) } : {}),
    ...(num(fields.to) !== undefined ? { to: num(fields.to) } : {}),
    ...(str(fields.reason) !== undefined ? { reason: str(fields.reason) } : {}),
    ...(num(fields.latencyMs) !== undefined ? { latencyMs: num(fields.latencyMs) } : {}),
    fields,
  };
}

export class DecisionFeed {
  readonly lines: DecisionLine[] = [];
  private readonly listeners: Array<(line: DecisionLine) => void> = [];

  add(line: DecisionLine): void {
    this.lines.push(line);
    if (this.lines.length > 1000) this.lines.shift();
    for (const listener of this.listeners) listener(line);
  }

  onDecision(listener: (line: DecisionLine) => void): void {
    this.listeners.push(listener);
  }

  /** Keeps the decisions among a function process's output lines, stamped with `now()`. */
  follow(
    source: DecisionLine['source'],
    output: { onLine(listener: (line: string) => void): void },
    now: () => number,
  ): void {
    output.onLine((line) => {
      const decision = parseDecision(line, source, now());
      if (decision) this.add(decision);
    });
  }

  /** One line for a terminal: what changed, and why. */
  static describe(line: DecisionLine): string {
    const target = line.target ?? '-';
    if (line.event === 'prescale' || line.event === 'reconcile') {
      const change =
        line.from === line.to ? `stays ${line.to ?? '?'}` : `${line.from ?? '?'} -> ${line.to ?? '?'}`;
      const latency = line.latencyMs !== undefined ? ` (${line.latencyMs} ms)` : '';
      const batch = line.batchId ? ` batch ${line.batchId}` : '';
      return `${line.event} ${target}${batch}: ${change}${latency}: ${line.reason ?? line.message}`;
    }
    return `${line.event} ${target}: ${line.message}`;
  }
}
