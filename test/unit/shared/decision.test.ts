import { describe, expect, it } from '@jest/globals';
import { decide, policyFloor, type ReconcileInput } from '../../../shared/decision.js';
import { scaleIn, target } from '../../support/scale-in.js';

const NOW = 10_000_000;

function input(over: Partial<ReconcileInput>): ReconcileInput {
  return {
    target,
    current: 10,
    work: { outstanding: 0, openBatches: 0, deadlines: [] },
    nowMs: NOW,
    recentScaleIns: [],
    paused: false,
    ...over,
  };
}
const work = (outstanding: number) => ({ outstanding, openBatches: 1, deadlines: [] });

describe('decide', () => {
  it.each([
    ['scales up at once when work exceeds replicas', { current: 2, work: work(7) }, 'scale_up', 7],
    ['holds at desired', { current: 7, work: work(7) }, 'none', 7],
    ['leaves a paused Deployment alone', { current: 2, work: work(7), paused: true }, 'paused', 2],
    ['holds for the stabilization window', { current: 10, work: work(2), windowMax: 10 }, 'none', 10],
    [
      'scales in to the window maximum',
      { current: 10, work: work(2), windowMax: 8, mustKeep: 0 },
      'scale_in',
      8,
    ],
    ['steps by the Pods policy', { current: 10, work: work(0), mustKeep: 0 }, 'scale_in', 6],
    ['goes to zero from within one step', { current: 3, work: work(0), mustKeep: 0 }, 'scale_in', 0],
    [
      'counts removals earlier in the period',
      { current: 8, work: work(0), mustKeep: 0, recentScaleIns: [{ atMs: NOW - 10_000, from: 10, to: 8 }] },
      'scale_in',
      6,
    ],
    [
      'forgets removals older than the period',
      { current: 8, work: work(0), mustKeep: 0, recentScaleIns: [{ atMs: NOW - 31_000, from: 12, to: 8 }] },
      'scale_in',
      4,
    ],
    ['never removes a busy pod', { current: 10, work: work(0), mustKeep: 9, busy: 9 }, 'scale_in', 9],
    [
      'holds while images wait to be picked up',
      { current: 10, work: work(3), mustKeep: 0, busy: 0, unclaimed: 3 },
      'none',
      10,
    ],
    ['holds when every pod is busy', { current: 10, work: work(0), mustKeep: 10, busy: 10 }, 'none', 10],
    ['asks for the pods before a scale-in', { current: 10, work: work(0) }, 'none', 10],
    [
      'respects minReplicas',
      { target: { ...target, minReplicas: 8 }, current: 10, work: work(0), mustKeep: 0 },
      'scale_in',
      8,
    ],
    [
      'never scales in when disabled',
      {
        target: { ...target, scaleIn: { ...scaleIn, selectPolicy: 'Disabled' as const } },
        current: 10,
        mustKeep: 0,
      },
      'none',
      10,
    ],
  ])('%s', (_case, over, action, to) => {
    const decision = decide(input(over));
    expect(decision.action).toBe(action);
    expect(decision.to).toBe(to);
  });

  it('flags that pods are needed, and explains itself', () => {
    const decision = decide(input({ work: work(0) }));
    expect(decision.needsPods).toBe(true);
    expect(decision.reason).toContain('checking pods');
    const busy = decide(input({ work: work(0), mustKeep: 9, busy: 9 }));
    expect(busy.reason).toContain('kept 9 so no busy pod is removed (9 busy)');
  });
});

describe('policyFloor', () => {
  const at = (seconds: number, from: number, to: number) => ({ atMs: NOW - seconds * 1000, from, to });
  it.each([
    ['Percent 50 of 10', [{ type: 'Percent' as const, value: 50, periodSeconds: 30 }], 'Max', 10, [], 5],
    [
      'Percent truncates: 50 % of 3 -> 1',
      [{ type: 'Percent' as const, value: 50, periodSeconds: 30 }],
      'Max',
      3,
      [],
      1,
    ],
    [
      'Percent counts the period start: 10 -> 6 already',
      [{ type: 'Percent' as const, value: 50, periodSeconds: 30 }],
      'Max',
      6,
      [at(5, 10, 6)],
      5,
    ],
    [
      'Max takes the bigger change',
      [
        { type: 'Pods' as const, value: 2, periodSeconds: 30 },
        { type: 'Percent' as const, value: 50, periodSeconds: 30 },
      ],
      'Max',
      10,
      [],
      5,
    ],
    [
      'Min takes the smaller change',
      [
        { type: 'Pods' as const, value: 2, periodSeconds: 30 },
        { type: 'Percent' as const, value: 50, periodSeconds: 30 },
      ],
      'Min',
      10,
      [],
      8,
    ],
  ])('%s', (_case, policies, selectPolicy, current, recent, floor) => {
    expect(
      policyFloor(
        { ...scaleIn, policies, selectPolicy: selectPolicy as 'Max' | 'Min' },
        current,
        recent,
        NOW,
      ),
    ).toBe(floor);
  });
});
