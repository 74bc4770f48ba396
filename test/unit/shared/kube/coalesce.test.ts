import { describe, expect, it } from '@jest/globals';
import { ScaleUpCoalescer } from '../../../../shared/kube/coalesce.js';
import { KubeApiError } from '../../../../shared/errors.js';
import type { ScaleRef, ScaleState } from '../../../../shared/kube/scale-api.js';
import { FakeScaleApi } from '../../../support/fake-scale-api.js';

/** Holds each write until released, and says when one is waiting. */
class HeldWrites extends FakeScaleApi {
  private release: (() => void) | undefined;
  private waiting: (() => void) | undefined;

  /** Resolves once a write is held. */
  writeHeld(): Promise<void> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  releaseWrite(): void {
    this.release?.();
  }

  override async writeScale(ref: ScaleRef, replicas: number, resourceVersion: string): Promise<ScaleState> {
    await new Promise<void>((resolve) => {
      this.release = resolve;
      this.waiting?.();
    });
    return super.writeScale(ref, replicas, resourceVersion);
  }
}

const ref = { namespace: 'ml', deployment: 'resnet' };

/** A coalescer whose first round (to 2 replicas) is holding its write. */
async function writingFirstRound() {
  const api = new HeldWrites();
  api.add(ref, 0);
  const coalescer = new ScaleUpCoalescer();
  const held = api.writeHeld();
  const first = coalescer.scaleUp('t', api, ref, 2);
  await held;
  return { api, coalescer, first };
}

describe('ScaleUpCoalescer', () => {
  it('serves 50 concurrent scale-ups of one Deployment with one write, each getting at least its count', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 0);
    const coalescer = new ScaleUpCoalescer();
    const wanted = Array.from({ length: 50 }, (_, i) => i + 1);
    const results = await Promise.all(wanted.map((n) => coalescer.scaleUp('t', api, ref, n)));
    expect(api.replicas(ref)).toBe(50);
    // All arrive while the first round reads: it takes the highest count before it writes.
    expect(api.writes.map((w) => w.replicas)).toEqual([50]);
    results.forEach((result, i) => expect(result.to).toBeGreaterThanOrEqual(wanted[i]!));
  });

  it('keeps Deployments apart and starts afresh once idle', async () => {
    const api = new FakeScaleApi();
    const other = { namespace: 'ml', deployment: 'other' };
    api.add(ref, 0);
    api.add(other, 0);
    const coalescer = new ScaleUpCoalescer();
    await Promise.all([coalescer.scaleUp('a', api, ref, 3), coalescer.scaleUp('b', api, other, 5)]);
    expect([api.replicas(ref), api.replicas(other)]).toEqual([3, 5]);
    await coalescer.scaleUp('a', api, ref, 4);
    expect(api.replicas(ref)).toBe(4);
  });

  it('a caller arriving while a round writes gets the next round, shared with later ones', async () => {
    const { api, coalescer, first } = await writingFirstRound();
    const later = [3, 7, 5].map((n) => coalescer.scaleUp('t', api, ref, n));
    const next = api.writeHeld();
    api.releaseWrite();
    await next;
    api.releaseWrite();
    expect(await first).toMatchObject({ from: 0, to: 2, written: true });
    for (const result of await Promise.all(later)) expect(result).toMatchObject({ from: 2, to: 7 });
    expect(api.writes.map((w) => w.replicas)).toEqual([2, 7]);
  });

  it('hands a failure to the callers of that round only', async () => {
    const { api, coalescer, first } = await writingFirstRound();
    const second = coalescer.scaleUp('t', api, ref, 3);
    api.failNext = { error: new KubeApiError(503, 'ServiceUnavailable', 'busy'), times: 1 };
    const next = api.writeHeld();
    api.releaseWrite();
    await expect(first).rejects.toThrow('busy');
    await next;
    api.releaseWrite();
    await expect(second).resolves.toMatchObject({ to: 3, written: true });
    expect(api.replicas(ref)).toBe(3);
  });
});
