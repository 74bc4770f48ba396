import { describe, expect, it } from '@jest/globals';
import {
  DELETION_COST_ANNOTATION,
  deletionCost,
  deletionOrder,
  type OrderedPod,
} from '../../../shared/kube/pod-order.js';

const NOW = 1_000_000_000;
const HOUR = 3_600_000;
function pod(name: string, over: Partial<OrderedPod> = {}): OrderedPod {
  return {
    name,
    uid: `uid-${name}`,
    nodeName: `node-${name}`,
    phase: 'Running',
    ready: true,
    readySinceMs: NOW - HOUR,
    createdMs: NOW - 2 * HOUR,
    restarts: 0,
    ...over,
  };
}
const cost = (value: string) => ({ annotations: { [DELETION_COST_ANNOTATION]: value } });

describe('deletionOrder: the pod a ReplicaSet removes first', () => {
  // Each row lists the pods; the expected first victim is "b" in every row.
  it.each<[string, OrderedPod[]]>([
    [
      '1. unscheduled before scheduled',
      [pod('a'), pod('b', { nodeName: undefined, phase: 'Pending', ready: false })],
    ],
    ['2. Pending before Running', [pod('a'), pod('b', { phase: 'Pending', ready: false })]],
    ['2. Unknown before Running', [pod('a'), pod('b', { phase: 'Unknown', ready: false })]],
    ['3. not ready before ready', [pod('a'), pod('b', { ready: false, readySinceMs: undefined })]],
    ['3. readiness outranks cost', [pod('a', cost('-5')), pod('b', { ...cost('1000'), ready: false })]],
    ['4. lower deletion cost first', [pod('a', cost('10')), pod('b', cost('-3'))]],
    ['4. missing cost counts as 0', [pod('a', cost('1')), pod('b')]],
    [
      '5. doubled up on a node first',
      [
        pod('a'),
        pod('b', { nodeName: 'shared' }),
        pod('c', { nodeName: 'shared', readySinceMs: NOW - 4 * HOUR }),
      ],
    ],
    [
      '6. ready more recently first',
      [pod('a', { readySinceMs: NOW - 4 * HOUR }), pod('b', { readySinceMs: NOW - 60_000 })],
    ],
    ['7. more restarts first', [pod('a', { restarts: 0 }), pod('b', { restarts: 3 })]],
    ['8. newer first', [pod('a', { createdMs: NOW - 10 * HOUR }), pod('b', { createdMs: NOW - 120_000 })]],
    [
      '6/8. same log2 bucket: lower UID first',
      [
        pod('a', { readySinceMs: NOW - HOUR, uid: 'uid-2' }),
        pod('b', { readySinceMs: NOW - HOUR - 1000, uid: 'uid-1' }),
      ],
    ],
  ])('%s', (_rule, pods) => {
    expect(deletionOrder(pods, NOW)[0]?.name).toBe('b');
    expect(deletionOrder([...pods].reverse(), NOW)[0]?.name).toBe('b');
  });

  it('removes pods step by step in rank order', () => {
    const pods = [
      pod('busy', cost('1000')),
      pod('idle-old'),
      pod('starting', { ready: false }),
      pod('pending', { phase: 'Pending', ready: false }),
    ];
    expect(deletionOrder(pods, NOW).map((p) => p.name)).toEqual(['pending', 'starting', 'idle-old', 'busy']);
  });

  it.each([
    ['100', 100],
    ['-7', -7],
    ['abc', 0],
    ['1.5', 0],
    ['2147483648', 0],
    [undefined, 0],
  ])('reads deletion cost %j as %d', (value, expected) => {
    expect(deletionCost(value === undefined ? {} : cost(value))).toBe(expected);
  });
});
