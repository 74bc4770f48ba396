/**
 * The stack's stand-in for Cloud Scheduler: POSTs to the reconcile function every `everyMs`,
 * one call at a time (a slow pass delays the next instead of overlapping it), and remembers the
 * outcome of the last pass.
 */
export interface PassOutcome {
  readonly status: number;
  readonly ok: boolean;
  readonly error?: string;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  passes = 0;
  failures = 0;
  last: PassOutcome | undefined;

  constructor(
    private readonly url: string,
    private readonly everyMs: number,
  ) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.pass().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.everyMs);
      });
    };
    this.timer = setTimeout(loop, this.everyMs);
  }

  /** Runs one reconcile pass now. */
  async pass(): Promise<void> {
    try {
      const response = await fetch(this.url, { method: 'POST', signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      this.last = { status: response.status, ok: response.ok };
    } catch (error) {
      this.last = { status: 0, ok: false, error: (error as Error).message };
    }
    this.passes++;
    if (!this.last.ok) this.failures++;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
