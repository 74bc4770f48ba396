/**
 * A poll loop for the stack's workers: runs `tick` every `everyMs`, one run at a time (a slow run
 * delays the next rather than overlapping it), and hands failures to `onError`.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(this.tick).catch(this.onError);
    }, this.everyMs);
  }

  /** Stops the loop and waits for the run under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
