import { describe, expect, it } from '@jest/globals';
import type { DeploymentView, Loop } from '../../../../bench/sim/policy.js';
import { COOLDOWN_SECONDS, kedaRedis } from '../../../../bench/sim/policies/keda-redis.js';
import { mulberry32 } from '../../../../bench/sim/random.js';
import { registry, TARGET } from './support.js';

const target = registry().get(TARGET)!;

function loops(): { operator: Loop; hpa: Loop } {
  const policy = kedaRedis.create(target, mulberry32(1));
  const operator = policy.loops.find((l) => l.name === 'keda-operator');
  const hpa = policy.loops.find((l) => l.name === 'hpa-sync');
  if (!operator || !hpa) throw new Error('KEDA policy must have an operator loop and an HPA loop');
  expect(operator.everySeconds).toBe(30);
  expect(hpa.everySeconds).toBe(15);
  return { operator, hpa };
}

function view(nowSeconds: number, replicas: number, queued: number): DeploymentView {
  return {
    target,
    nowMs: nowSeconds * 1000,
    replicas,
    pods: [],
    queued,
    outstanding: queued,
    openBatches: 0,
  };
}

describe('KEDA Redis list scaler', () => {
  it('starts at 0 replicas and activates 0 -> 1 on the poll that sees a non-empty list', () => {
    const { operator } = loops();
    expect(kedaRedis.create(target, mulberry32(1)).initialReplicas).toBe(0);
    expect(operator.observe(view(0, 0, 0))?.replicas).toBeUndefined();
    expect(operator.observe(view(30, 0, 400))?.replicas).toBe(1);
  });

  it('leaves 0 -> 1 to KEDA: its HPA does nothing at 0 replicas', () => {
    const { hpa } = loops();
    expect(hpa.observe(view(0, 0, 400))).toBeUndefined();
  });

  it('hands 1 -> N to the HPA on the list length at 5 per replica', () => {
    const { hpa } = loops();
    expect(hpa.observe({ ...view(30, 1, 400), pods: [] })?.replicas).toBe(5);
  });

  it(`goes to 0 only after the list has been empty for the ${COOLDOWN_SECONDS} s cooldown`, () => {
    const { operator } = loops();
    expect(operator.observe(view(0, 0, 10))?.replicas).toBe(1);
    expect(operator.observe(view(30, 20, 5))?.replicas).toBeUndefined(); // active at 30 s
    expect(operator.observe(view(60, 20, 0))?.replicas).toBeUndefined();
    expect(operator.observe(view(300, 20, 0))?.replicas).toBeUndefined();
    expect(operator.observe(view(329, 20, 0))?.replicas).toBeUndefined();
    expect(operator.observe(view(330, 20, 0))?.replicas).toBe(0); // 300 s after the last non-empty poll
  });

  it('restarts the cooldown when the list fills again', () => {
    const { operator } = loops();
    operator.observe(view(0, 0, 10));
    operator.observe(view(200, 5, 3));
    expect(operator.observe(view(330, 5, 0))?.replicas).toBeUndefined();
    expect(operator.observe(view(500, 5, 0))?.replicas).toBe(0);
  });
});
