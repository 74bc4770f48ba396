import { describe, expect, it } from '@jest/globals';
import { platform, PLATFORM_QUEUE_PER_POD } from '../../../../bench/sim/policies/platform.js';
import { mulberry32 } from '../../../../bench/sim/random.js';
import { registry, TARGET, viewAt } from './support.js';

function loops() {
  const policy = platform.create(registry().get(TARGET)!, mulberry32(1));
  const [operator, hpa] = policy.loops;
  return { policy, operator: operator!, hpa: hpa! };
}

describe('KEDA + HPA platform policy', () => {
  it('starts at zero and activates 0 -> 1 on a poll that sees the queue', () => {
    const { policy, operator, hpa } = loops();
    expect(policy.initialReplicas).toBe(0);
    expect(PLATFORM_QUEUE_PER_POD).toBe(10);
    expect(hpa.observe(viewAt(0, { queued: 400 }))).toBeUndefined();
    expect(operator.observe(viewAt(30, { queued: 400 }))?.replicas).toBe(1);
  });

  it('doubles at most once a minute: 400 queued wants 40, 1 -> 2, held, then 2 -> 4', () => {
    const { hpa } = loops();
    expect(hpa.observe(viewAt(30, { ready: 1, busy: 1, queued: 400 }))?.replicas).toBe(2);
    expect(hpa.observe(viewAt(45, { ready: 2, busy: 2, queued: 395 }))?.replicas).toBe(2);
    expect(hpa.observe(viewAt(75, { ready: 2, busy: 2, queued: 380 }))?.replicas).toBe(2);
    expect(hpa.observe(viewAt(90, { ready: 2, busy: 2, queued: 370 }))?.replicas).toBe(4);
  });

  it('waits out the 300 s window, then removes at most half a minute', () => {
    const { hpa } = loops();
    // 40 pods, 400 queued: exactly on target (400 / 10 = 40), recorded at 0 s.
    expect(hpa.observe(viewAt(0, { ready: 40, busy: 40, queued: 400 }))?.replicas).toBe(40);
    expect(hpa.observe(viewAt(15, { ready: 40 }))?.replicas).toBe(40);
    expect(hpa.observe(viewAt(299, { ready: 40 }))?.replicas).toBe(40);
    expect(hpa.observe(viewAt(301, { ready: 40 }))?.replicas).toBe(20);
    expect(hpa.observe(viewAt(316, { ready: 20 }))?.replicas).toBe(20);
    expect(hpa.observe(viewAt(362, { ready: 20 }))?.replicas).toBe(10);
  });

  it('goes to zero 300 s after the queue was last seen non-empty', () => {
    const { operator } = loops();
    operator.observe(viewAt(0, { queued: 5 }));
    expect(operator.observe(viewAt(299, { ready: 3 }))).toBeUndefined();
    expect(operator.observe(viewAt(300, { ready: 3 }))?.replicas).toBe(0);
  });
});
