/**
 * Coalesces concurrent scale-ups of one Deployment within an instance. A round reads the Scale and
 * writes the highest count asked of it; a caller joins the running round as long as that round has
 * not yet taken its count (which it does right after its read, before it writes), and otherwise
 * the one round that waits for it, which starts once it ends. Every desired count already includes
 * all earlier batches (it sizes all outstanding work), so the highest is right for all of them.
 * A burst of N events for a target costs one or two rounds instead of N, one write each; the
 * result is the same as N separate scaleUpTo calls.
 */
import { scaleUpTo, type ScaleApi, type ScaleRef, type ScaleUpResult } from './scale-api.js';

interface Round {
  desired: number;
  /** Takes callers until scaleUpTo asks for its count. */
  open: boolean;
  done: Promise<ScaleUpResult>;
}

interface Lane {
  current: Round;
  next: Round | undefined;
}

export class ScaleUpCoalescer {
  private readonly lanes = new Map<string, Lane>();

  scaleUp(key: string, api: ScaleApi, ref: ScaleRef, desired: number): Promise<ScaleUpResult> {
    const lane = this.lanes.get(key);
    if (!lane) {
      const round = this.round(api, ref, desired);
      const fresh: Lane = { current: round, next: undefined };
      this.lanes.set(key, fresh);
      this.retireAfter(key, fresh, round);
      return round.done;
    }
    const joinable = lane.current.open ? lane.current : lane.next;
    if (joinable) {
      joinable.desired = Math.max(joinable.desired, desired);
      return joinable.done;
    }
    const next = this.round(api, ref, desired, lane.current.done, () => {
      lane.current = next;
      lane.next = undefined;
    });
    lane.next = next;
    this.retireAfter(key, lane, next);
    return next.done;
  }

  /** A round that starts now, or once `after` settles (calling `starting` first). */
  private round(
    api: ScaleApi,
    ref: ScaleRef,
    desired: number,
    after?: Promise<unknown>,
    starting?: () => void,
  ): Round {
    const round = { desired, open: true } as Round;
    const take = () => {
      round.open = false;
      return round.desired;
    };
    round.done = after
      ? after
          .catch(() => undefined)
          .then(() => {
            starting?.();
            return scaleUpTo(api, ref, take);
          })
      : scaleUpTo(api, ref, take);
    return round;
  }

  /** Drops the lane when its last round ends with none waiting. */
  private retireAfter(key: string, lane: Lane, round: Round): void {
    void round.done
      .catch(() => undefined)
      .finally(() => {
        if (lane.current === round && lane.next === undefined && this.lanes.get(key) === lane)
          this.lanes.delete(key);
      });
  }
}
