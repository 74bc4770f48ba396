/**
 * The demo's terminal view. On a terminal it redraws one block a few times a second: per target
 * the desired and ready replicas, the outstanding images and busy pods, a progress bar per batch,
 * then the latest scaling decisions with their reasons. Elsewhere (CI, a pipe) it prints one line
 * per happening instead (publishes, decisions, finished batches) and a status line now and then.
 */
import type { DecisionLine } from './decisions.js';
import { DecisionFeed } from './decisions.js';
import type { Stack } from './stack.js';
import type { BatchProgress } from './workers.js';

export interface TargetRow {
  readonly name: string;
  readonly desired: number;
  readonly ready: number;
  readonly pods: number;
  readonly outstanding: number;
  readonly busy: number;
  readonly min: number;
  readonly max: number;
}

export interface Snapshot {
  readonly startedMs: number;
  readonly elapsedMs: number;
  readonly rows: readonly TargetRow[];
  readonly batches: readonly BatchProgress[];
}

export async function snapshot(stack: Stack, startedMs: number): Promise<Snapshot> {
  const rows = await Promise.all(
    stack.targets.map(async (t) => {
      const replicas = stack.replicas(t);
      return {
        name: t.name,
        ...replicas,
        outstanding: await stack.outstanding(t),
        busy: stack.workers.busyPods(t.name),
        min: t.minReplicas,
        max: t.maxReplicas,
      };
    }),
  );
  return { startedMs, elapsedMs: stack.clock.now() - startedMs, rows, batches: stack.workers.progress };
}

export function bar(done: number, total: number, width = 24): string {
  const filled = total <= 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** The block drawn on a terminal (also used for the final frame). */
export function renderFrame(
  snap: Snapshot,
  decisions: readonly DecisionLine[],
  notes: readonly string[],
  factor: number,
  title: string,
): string[] {
  const seconds = snap.elapsedMs / 1000;
  const lines = [
    `${title}  t=${seconds.toFixed(1)} s (${(seconds * factor).toFixed(0)} s at real-world speed, time scale x${factor})`,
    '',
    `${'TARGET'.padEnd(22)} ${pad('DESIRED', 7)} ${pad('READY', 5)} ${pad('PODS', 4)} ${pad('BUSY', 4)} ${pad('OUTSTANDING', 11)}  REPLICAS`,
  ];
  for (const row of snap.rows) {
    const gauge = '|'.repeat(row.desired) + ' '.repeat(Math.max(0, row.max - row.desired));
    lines.push(
      `${row.name.padEnd(22)} ${pad(row.desired, 7)} ${pad(row.ready, 5)} ${pad(row.pods, 4)} ${pad(row.busy, 4)} ${pad(row.outstanding, 11)}  ${gauge} (${row.min}-${row.max})`,
    );
    // Open batches, and the last two finished ones.
    const mine = snap.batches.filter((x) => x.target === row.name);
    const finished = mine.filter((x) => x.finishedMs !== undefined).slice(-2);
    for (const b of mine.filter((x) => x.finishedMs === undefined || finished.includes(x))) {
      const state = b.finishedMs !== undefined ? 'done' : `${b.inFlight} in flight`;
      lines.push(`    ${b.batchId.padEnd(16)} ${bar(b.done, b.total)} ${pad(b.done, 4)}/${b.total} ${state}`);
    }
  }
  lines.push('', 'latest events:', ...notes.slice(-5).map((n) => `  ${n}`), '', 'latest decisions:');
  for (const d of decisions.slice(-8)) {
    lines.push(
      `  ${pad(((d.atMs - snap.startedMs) / 1000).toFixed(1), 6)}s  ${DecisionFeed.describe(d)}`.slice(
        0,
        160,
      ),
    );
  }
  return lines;
}

export class LiveView {
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  private lastStatus = 0;
  private rendering: Promise<void> = Promise.resolve();
  private readonly tty: boolean;
  private readonly notes: string[] = [];

  constructor(
    private readonly stack: Stack,
    private readonly startedMs: number,
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
    private readonly title = 'prescaler local stack',
  ) {
    this.tty = Boolean(out.isTTY);
    if (!this.tty) stack.decisions.onDecision((d) => this.note(DecisionFeed.describe(d)));
  }

  private time(): string {
    return `[${((this.stack.clock.now() - this.startedMs) / 1000).toFixed(1).padStart(5)}s]`;
  }

  /** A happening: printed as a line off a terminal, folded into the frame on one. */
  note(message: string): void {
    if (!this.tty) this.out.write(`${this.time()} ${message}\n`);
    else this.notes.push(`${this.time()} ${message}`);
  }

  start(everyMs = 250): void {
    this.timer = setInterval(() => {
      this.rendering = this.rendering.then(() => this.draw()).catch(() => undefined);
    }, everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.rendering;
    if (this.tty) await this.draw();
  }

  private async draw(): Promise<void> {
    const snap = await snapshot(this.stack, this.startedMs);
    if (this.tty) {
      // A frame taller or wider than the terminal could not be redrawn in place: keep its top and
      // the start of each line.
      const { rows = 50, columns = 200 } = this.out as { rows?: number; columns?: number };
      const lines = renderFrame(
        snap,
        this.stack.decisions.lines,
        this.notes,
        this.stack.scale.factor,
        this.title,
      ).slice(0, Math.max(5, rows - 1));
      const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
      this.out.write(up + lines.map((l) => `\x1b[2K${l.slice(0, columns - 1)}`).join('\n') + '\n\x1b[J');
      this.drawn = lines.length;
      return;
    }
    if (snap.elapsedMs - this.lastStatus >= 2000) {
      this.lastStatus = snap.elapsedMs;
      const parts = snap.rows.map((r) => `${r.name} ${r.desired}/${r.ready} ready, ${r.outstanding} left`);
      this.note(`status: ${parts.join('; ')}`);
    }
  }
}
