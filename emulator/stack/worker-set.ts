/**
 * The stack's workers as one: each target is served by one kind (simulated workers, real
 * prescaler-agents in front of stand-in model servers, or real Celery workers), and the demo and
 * the view read them through this one interface.
 */
import type { BatchProgress } from './workers.js';

/** What the demo and the view read from the workers, simulated or real. */
export interface StackWorkers {
  readonly progress: BatchProgress[];
  /** Busy pods of `target`; 0 for a target these workers do not serve. */
  busyPods(target: string): number;
  readonly interrupted: number;
  readonly errors: readonly string[];
  podRemoved(namespace: string, name: string): void;
  start(): void;
  stop(): Promise<void>;
}

/** Several kinds of workers, each serving its own targets. */
export class WorkerSet implements StackWorkers {
  constructor(private readonly parts: readonly StackWorkers[]) {}

  get progress(): BatchProgress[] {
    return this.parts.flatMap((p) => p.progress).sort((a, b) => a.firstSeenMs - b.firstSeenMs);
  }
  busyPods(target: string): number {
    return this.parts.reduce((sum, p) => sum + p.busyPods(target), 0);
  }
  get interrupted(): number {
    return this.parts.reduce((sum, p) => sum + p.interrupted, 0);
  }
  get errors(): readonly string[] {
    return this.parts.flatMap((p) => p.errors);
  }
  podRemoved(namespace: string, name: string): void {
    for (const p of this.parts) p.podRemoved(namespace, name);
  }
  start(): void {
    for (const p of this.parts) p.start();
  }
  async stop(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.stop()));
  }
}
