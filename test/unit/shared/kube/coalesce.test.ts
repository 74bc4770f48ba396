import { describe, expect, it } from '@jest/globals';
import { ScaleUpCoalescer } from '../../../../shared/kube/coalesce.js';
import { KubeApiError } from '../../../../shared/errors.js';
import { FakeScaleApi } from '../../../support/fake-scale-api.js';

const ref = { namespace: 'ml', deployment: 'resnet' };

describe('ScaleUpCoalescer', () => {
  it('serves 50 concurrent scale-ups of one Deployment with two writes, each getting at least its count', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 0);
    const coalescer = new ScaleUpCoalescer();
    const wanted = Array.from({ length: 50 }, (_, i) => i + 1);
    const results = await Promise.all(wanted.map((n) => coalescer.scaleUp('t', api, ref, n)));
    expect(api.replicas(ref)).toBe(50);
    expect(api.writes.map((w) => w.replicas)).toEqual([1, 50]);
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

  it('hands a failure to the callers of that round only', async () => {
    const api = new FakeScaleApi();
    api.add(ref, 0);
    const coalescer = new ScaleUpCoalescer();
    api.failNext = { error: new KubeApiError(503, 'ServiceUnavailable', 'busy'), times: 1 };
    const first = coalescer.scaleUp('t', api, ref, 2);
    const second = coalescer.scaleUp('t', api, ref, 3);
    await expect(first).rejects.toThrow('busy');
    await expect(second).resolves.toMatchObject({ to: 3 });
  });
});
