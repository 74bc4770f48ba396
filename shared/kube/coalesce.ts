/**
 * Coalesces concurrent scale-ups of one Deployment within an instance: while a read-and-write
 * round runs, later requests wait and then share one more round at the highest count asked for.
 * Every desired count already includes all earlier batches (it sizes all outstanding work), so
 * the highest is right for all of them. A burst of N events for a target costs about two API
 * rounds instead of N; the result is the same as N separate scaleUpTo calls.
 */
import { scaleUpTo, type ScaleApi, type ScaleRef, type ScaleUpResult } from './scale-api.js';

interface Round {
  desired: number;
  readonly done: Promise<ScaleUpResult>;
}

interface Lane {
  running: Promise<unknown>;
  next: Round | undefined;
}

export class ScaleUpCoalescer {
  private readonly lanes = new Map<string, Lane>();

  scaleUp(key: string, api: ScaleApi, ref: ScaleRef, desired: number): Promise<ScaleUpResult> {
    const lane = this.lanes.get(key);
    if (!lane) {
      const done = scaleUpTo(api, ref, desired);
      const fresh: Lane = { running: done, next: undefined };
      this.lanes.set(key, fresh);
      void done.catch(() => undefined).finally(() => this.finish(key, fresh));
      return done;
    }
    if (lane.next) {
      lane.next.desired = Math.max(lane.next.desired, desired);
      return lane.next.done;
    }
    let start!: () => void;
    const gate = new Promise<void>((resolve) => (start = resolve));
    const round: Round = { desired, done: gate.then(() => scaleUpTo(api, ref, round.desired)) };
    lane.next = round;
    void lane.running
      .catch(() => undefined)
      .finally(() => {
        lane.running = round.done;
        lane.next = undefined;
        start();
        void round.done.catch(() => undefined).finally(() => this.finish(key, lane));
      });
    return round.done;
  }

  private finish(key: string, lane: Lane): void {
    if (this.lanes.get(key) === lane && lane.next === undefined) this.lanes.delete(key);
  }
}
