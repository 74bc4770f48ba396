import { describe, expect, it } from '@jest/globals';
import {
  DELETION_COST_ANNOTATION,
  deletionCost,
  deletionOrder,
  logarithmicRankDiff,
  type OrderedPod,
} from '../../../../shared/kube/pod-order.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const ago = (seconds: number): number => NOW - seconds * 1000;
const cost = (value: string) => ({ annotations: { [DELETION_COST_ANNOTATION]: value } });

/** A pod of one ReplicaSet; defaults: on node-a, Running, Ready for 10 minutes, created 1 hour ago. */
function pod(name: string, over: Partial<OrderedPod> = {}): OrderedPod {
  return {
    name,
    uid: `uid-${name}`,
    nodeName: 'node-a',
    phase: 'Running',
    ready: true,
    readySinceMs: ago(600),
    createdMs: ago(3600),
    restarts: 0,
    ...over,
  };
}

/** Scales in one pod at a time until none is left; returns the names in the order removed. */
function removalOrder(pods: readonly OrderedPod[]): string[] {
  const left = [...pods];
  const order: string[] = [];
  while (left.length > 0) {
    const [victim] = deletionOrder(left, NOW);
    if (victim === undefined) throw new Error('no victim');
    order.push(victim.name);
    left.splice(left.indexOf(victim), 1);
  }
  return order;
}

describe('deletionOrder: the ReplicaSet scale-in order (ActivePodsWithRanks.Less), one rule per row', () => {
  // Each row is checked with the pods in the given order and reversed: no row relies on a tie.
  it.each<[string, OrderedPod[], string[]]>([
    [
      '1. unscheduled before scheduled',
      [
        pod('scheduled', { phase: 'Pending', ready: false }),
        pod('unscheduled', { nodeName: undefined, phase: 'Pending', ready: false }),
      ],
      ['unscheduled', 'scheduled'],
    ],
    [
      '1. an empty node name is unscheduled',
      [pod('scheduled'), pod('empty-node', { nodeName: '', readySinceMs: ago(3000) })],
      ['empty-node', 'scheduled'],
    ],
    [
      '2. Pending before Unknown before Running',
      [
        pod('running', { ready: false }),
        pod('unknown', { phase: 'Unknown', ready: false }),
        pod('pending', { phase: 'Pending', ready: false }),
      ],
      ['pending', 'unknown', 'running'],
    ],
    [
      '2. any other phase counts as Pending',
      [pod('unknown', { phase: 'Unknown', ready: false }), pod('no-phase', { phase: '', ready: false })],
      ['no-phase', 'unknown'],
    ],
    [
      '3. not ready before ready',
      [pod('ready'), pod('not-ready', { ready: false, readySinceMs: undefined })],
      ['not-ready', 'ready'],
    ],
    [
      '3. readiness outranks deletion cost: a busy pod that reports NotReady loses its protection',
      [pod('idle', cost('-100')), pod('busy-not-ready', { ...cost('1000'), ready: false })],
      ['busy-not-ready', 'idle'],
    ],
    [
      '4. lower pod-deletion-cost first; missing or invalid counts as 0; negatives allowed',
      [
        pod('cost-100', cost('100')),
        pod('no-annotation', { createdMs: ago(7200) }),
        pod('invalid-plus', { ...cost('+7'), createdMs: ago(60) }),
        pod('invalid-leading-zero', { ...cost('007'), createdMs: ago(600) }),
        pod('cost-minus-5', cost('-5')),
        pod('cost-1', cost('1')),
        pod('cost-10', cost('10')),
      ],
      [
        'cost-minus-5',
        'invalid-plus',
        'invalid-leading-zero',
        'no-annotation',
        'cost-1',
        'cost-10',
        'cost-100',
      ],
    ],
    [
      '5. more pods of the owner on the same node first (ranks recomputed at each step)',
      [
        pod('a1', { nodeName: 'node-a', createdMs: ago(4000) }),
        pod('a2', { nodeName: 'node-a', createdMs: ago(2000) }),
        pod('a3', { nodeName: 'node-a', createdMs: ago(1000) }),
        pod('b1', { nodeName: 'node-b', createdMs: ago(10) }),
      ],
      ['a3', 'a2', 'b1', 'a1'],
    ],
    [
      '6. both ready: the one ready more recently first',
      [pod('ready-4h', { readySinceMs: ago(4 * 3600) }), pod('ready-1m', { readySinceMs: ago(60) })],
      ['ready-1m', 'ready-4h'],
    ],
    [
      '6. ready times in one log2 bucket: the lower UID first',
      [
        pod('ready-100s', { readySinceMs: ago(100), uid: 'bbb' }),
        pod('ready-101s', { readySinceMs: ago(101), uid: 'aaa' }),
      ],
      ['ready-101s', 'ready-100s'],
    ],
    [
      '6. a ready pod with no ready time counts as ready most recently (afterOrZero)',
      [pod('ready-1m', { readySinceMs: ago(60) }), pod('ready-unknown', { readySinceMs: undefined })],
      ['ready-unknown', 'ready-1m'],
    ],
    [
      '6. an unreadable ready time (NaN) is no ready time',
      [pod('ready-1m', { readySinceMs: ago(60) }), pod('ready-nan', { readySinceMs: Number.NaN })],
      ['ready-nan', 'ready-1m'],
    ],
    [
      '6. two unknown ready times are equal: rule 7 decides',
      [
        pod('unknown-0', { readySinceMs: undefined, uid: 'aaa' }),
        pod('unknown-2', { readySinceMs: Number.NaN, restarts: 2, uid: 'bbb' }),
      ],
      ['unknown-2', 'unknown-0'],
    ],
    [
      '6. only when both are ready: ready times of pods not ready are ignored',
      [
        pod('was-ready-1m', { ready: false, readySinceMs: ago(60), createdMs: ago(7200) }),
        pod('was-ready-4h', { ready: false, readySinceMs: ago(4 * 3600), createdMs: ago(60) }),
      ],
      ['was-ready-4h', 'was-ready-1m'],
    ],
    [
      '6. ready time outranks restarts',
      [pod('ready-1m', { readySinceMs: ago(60) }), pod('restarted', { restarts: 5 })],
      ['ready-1m', 'restarted'],
    ],
    [
      '7. more container restarts first',
      [pod('no-restarts'), pod('three-restarts', { restarts: 3 })],
      ['three-restarts', 'no-restarts'],
    ],
    [
      '7. restarts outrank creation time',
      [pod('new', { createdMs: ago(60) }), pod('restarted', { restarts: 1, createdMs: ago(7200) })],
      ['restarted', 'new'],
    ],
    [
      '8. newer first',
      [pod('created-10h', { createdMs: ago(36_000) }), pod('created-2m', { createdMs: ago(120) })],
      ['created-2m', 'created-10h'],
    ],
    [
      '8. creation times in one log2 bucket: the lower UID first',
      [
        pod('created-100s', { createdMs: ago(100), uid: 'bbb' }),
        pod('created-101s', { createdMs: ago(101), uid: 'aaa' }),
      ],
      ['created-101s', 'created-100s'],
    ],
    [
      '8. an unknown creation time counts as the newest (afterOrZero)',
      [pod('created-now', { createdMs: NOW }), pod('created-unknown', { createdMs: undefined })],
      ['created-unknown', 'created-now'],
    ],
    [
      '8. an unreadable creation time (NaN) is an unknown one',
      [pod('created-1m', { createdMs: ago(60) }), pod('created-nan', { createdMs: Number.NaN })],
      ['created-nan', 'created-1m'],
    ],
    [
      '8. a time at or after now is in bucket -1, before any age',
      [pod('created-1s', { createdMs: ago(1) }), pod('created-later', { createdMs: NOW + 5000 })],
      ['created-later', 'created-1s'],
    ],
  ])('%s', (_rule, pods, expected) => {
    expect(removalOrder(pods)).toEqual(expected);
    expect(removalOrder([...pods].reverse())).toEqual(expected);
  });

  it('orders a whole ReplicaSet in one sort', () => {
    const pods = [
      pod('busy', cost('1000')),
      pod('idle-old'),
      pod('starting', { ready: false }),
      pod('pending', { phase: 'Pending', ready: false }),
    ];
    expect(deletionOrder(pods, NOW).map((p) => p.name)).toEqual(['pending', 'starting', 'idle-old', 'busy']);
  });

  it('ranks rule 5 by the related pods when given', () => {
    const pods = [pod('a', { nodeName: 'node-a', createdMs: ago(60) }), pod('b', { nodeName: 'node-b' })];
    // Alone, a and b are one pod a node each, so rule 8 decides: a is newer.
    expect(deletionOrder(pods, NOW).map((p) => p.name)).toEqual(['a', 'b']);
    // Another ReplicaSet of the owner has a pod on node-b: b is doubled up.
    const related = [...pods, { nodeName: 'node-b' }];
    expect(deletionOrder(pods, NOW, related).map((p) => p.name)).toEqual(['b', 'a']);
  });

  it('keeps the input order of pods equal by every rule (no tie-break of its own)', () => {
    const twins = [pod('x', { uid: 'uid-2' }), pod('y', { uid: 'uid-1' })];
    expect(deletionOrder(twins, NOW).map((p) => p.name)).toEqual(['x', 'y']);
    expect(deletionOrder([...twins].reverse(), NOW).map((p) => p.name)).toEqual(['y', 'x']);
  });

  it('returns the same objects, and leaves the input alone', () => {
    const pods = [pod('old', { createdMs: ago(7200) }), pod('new', { createdMs: ago(60) })];
    const order = deletionOrder(pods, NOW);
    expect(order[0]).toBe(pods[1]);
    expect(pods.map((p) => p.name)).toEqual(['old', 'new']);
  });
});

describe('deletionCost (GetDeletionCostFromPodAnnotations)', () => {
  // validFirstDigit rejects "+…" and leading zeros before strconv.ParseInt(value, 10, 32) runs;
  // ParseInt itself would take "+5" and "007". After a "-", ParseInt takes leading zeros.
  it.each([
    [undefined, 0],
    ['0', 0],
    ['-5', -5],
    ['-7', -7],
    ['42', 42],
    ['100', 100],
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
    ['2147483648', 0],
    ['-2147483649', 0],
    ['99999999999999999999999', 0],
    ['+5', 0],
    ['007', 0],
    ['00', 0],
    ['-007', -7],
    ['-0', 0],
    ['', 0],
    ['1.5', 0],
    ['1e3', 0],
    ['1_000', 0],
    ['0x10', 0],
    [' 5', 0],
    ['5 ', 0],
    ['abc', 0],
    ['-', 0],
    ['--5', 0],
  ])('%j → %d', (value, expected) => {
    expect(deletionCost(value === undefined ? {} : cost(value))).toBe(expected);
  });

  it('counts a pod without annotations as 0', () => {
    expect(deletionCost({})).toBe(0);
    expect(deletionCost({ annotations: { other: '5' } })).toBe(0);
  });
});

describe('logarithmicRankDiff', () => {
  it('compares the log2 bucket of the ages in nanoseconds', () => {
    // 100 s and 101 s are both in bucket 36 (2^36 ns ≈ 68.7 s, 2^37 ns ≈ 137.4 s).
    expect(logarithmicRankDiff(NOW - 100_000, NOW - 101_000, NOW)).toBe(0);
    expect(logarithmicRankDiff(NOW - 60_000, NOW - 140_000, NOW)).toBe(-2);
    // A time at or after now is bucket -1.
    expect(logarithmicRankDiff(NOW, NOW - 1, NOW)).toBe(-1 - 19);
  });

  it('puts an age of exactly a power of two in its own bucket (math.Log2 is exact there)', () => {
    // 1073.741824 ms is 2^30 ns: bucket 30; 1072.741824 ms is in bucket 29.
    expect(logarithmicRankDiff(0, 1, 1073.741824)).toBe(1);
    // Just under 2^30 ns is bucket 29.
    expect(logarithmicRankDiff(0.000001, 1, 1073.741824)).toBe(0);
  });
});

/**
 * The cases of the upstream controller's own ranking tests (kubernetes pkg/controller/
 * controller_utils_test.go), restated on OrderedPod: a pod's rank there is the count of related
 * active pods on its node here, so each pod gets a node of its own and `related` carries the
 * ranks. Upstream pods have no UID, so neither do these. Upstream's feature-gate-off row
 * (PodDeletionCost disabled) has no counterpart: the port has both gates on, as Kubernetes does by
 * default.
 */
describe('deletionOrder against the upstream ranking tests', () => {
  const month = 30 * 24 * 3600;
  const up = (name: string, over: Partial<OrderedPod>): OrderedPod => ({
    name,
    uid: '',
    nodeName: 'node',
    phase: 'Running',
    ready: false,
    readySinceMs: undefined,
    createdMs: undefined,
    restarts: 0,
    ...over,
  });
  const unscheduled = up('unscheduled', { nodeName: '', phase: 'Pending' });
  const pending = up('pending', { phase: 'Pending' });
  const unknownPhase = up('unknown-phase', { phase: 'Unknown' });
  const notReady = up('not-ready', {});
  const readyNoTransition = up('ready-no-last-transition-time', { ready: true });
  const readyNow = up('ready-now', { ready: true, readySinceMs: NOW, createdMs: NOW });
  const readyThen = up('ready-then', { ready: true, readySinceMs: ago(month), createdMs: ago(month) });
  const highRestarts = up('ready-high-restarts', {
    ready: true,
    restarts: 9001,
    readySinceMs: NOW,
    createdMs: NOW,
  });
  const createdThen = up('ready-now-created-then', { ready: true, readySinceMs: NOW, createdMs: ago(month) });
  const lowCost = up('low-deletion-cost', {
    ...cost('10'),
    ready: true,
    readySinceMs: NOW,
    createdMs: ago(month),
  });
  const highCost = up('high-deletion-cost', {
    ...cost('100'),
    ready: true,
    readySinceMs: NOW,
    createdMs: ago(month),
  });
  const unscheduled5h = up('unscheduled-5-hours', {
    nodeName: '',
    phase: 'Pending',
    createdMs: ago(5 * 3600),
  });
  const unscheduled8h = up('unscheduled-10-hours', {
    nodeName: '',
    phase: 'Pending',
    createdMs: ago(8 * 3600),
  });
  const ready2h = up('ready-2-hours', {
    nodeName: '',
    ready: true,
    readySinceMs: ago(2 * 3600),
    createdMs: ago(month),
  });
  const ready5h = up('ready-5-hours', {
    nodeName: '',
    ready: true,
    readySinceMs: ago(5 * 3600),
    createdMs: ago(month),
  });
  const ready8h = up('ready-10-hours', {
    nodeName: '',
    ready: true,
    readySinceMs: ago(8 * 3600),
    createdMs: ago(month),
  });

  /** The pair on nodes of their own (unscheduled stays unscheduled), and related pods making the ranks. */
  function ranked(a: OrderedPod, rankA: number, b: OrderedPod, rankB: number) {
    const place = (p: OrderedPod, node: string): OrderedPod =>
      p.nodeName === '' ? p : { ...p, nodeName: node };
    const pa = place(a, 'node-1');
    const pb = place(b, 'node-2');
    const related = [
      ...Array.from({ length: rankA }, () => ({ nodeName: pa.nodeName })),
      ...Array.from({ length: rankB }, () => ({ nodeName: pb.nodeName })),
    ];
    return { pa, pb, related };
  }

  const inequality: [string, OrderedPod, number, OrderedPod, number][] = [
    ['TestSortingActivePodsWithRanks inequality 0', unscheduled, 1, pending, 2],
    ['TestSortingActivePodsWithRanks inequality 1', unscheduled, 2, pending, 1],
    ['TestSortingActivePodsWithRanks inequality 2', pending, 1, unknownPhase, 2],
    ['TestSortingActivePodsWithRanks inequality 3', unknownPhase, 1, notReady, 2],
    ['TestSortingActivePodsWithRanks inequality 4', notReady, 1, readyNoTransition, 1],
    ['TestSortingActivePodsWithRanks inequality 5', readyNoTransition, 1, readyNow, 1],
    ['TestSortingActivePodsWithRanks inequality 6', readyNow, 2, readyNoTransition, 1],
    ['TestSortingActivePodsWithRanks inequality 7', readyNow, 1, readyThen, 1],
    ['TestSortingActivePodsWithRanks inequality 8', readyNow, 2, readyThen, 1],
    ['TestSortingActivePodsWithRanks inequality 9', highRestarts, 1, readyNow, 1],
    ['TestSortingActivePodsWithRanks inequality 10', readyNow, 2, highRestarts, 1],
    ['TestSortingActivePodsWithRanks inequality 11', readyNow, 1, createdThen, 1],
    ['TestSortingActivePodsWithRanks inequality 12', createdThen, 2, readyNow, 1],
    ['TestSortingActivePodsWithRanks inequality 13', lowCost, 2, highCost, 1],
    ['TestSortingActivePodsWithRanks inequality 15', ready2h, 1, ready5h, 1],
  ];
  it.each(
    inequality.map(
      ([test, a, ra, b, rb]) =>
        [`${test}: ${a.name} (rank ${ra}) before ${b.name} (rank ${rb})`, a, ra, b, rb] as const,
    ),
  )('%s', (_title, lesser, lesserRank, greater, greaterRank) => {
    const { pa, pb, related } = ranked(lesser, lesserRank, greater, greaterRank);
    expect(deletionOrder([pb, pa], NOW, related)).toEqual([pa, pb]);
    expect(deletionOrder([pa, pb], NOW, related)).toEqual([pa, pb]);
  });

  const equality: [string, OrderedPod, OrderedPod][] = [
    ['TestSortingActivePodsWithRanks equality', unscheduled, unscheduled],
    ['TestSortingActivePodsWithRanks equality', pending, pending],
    ['TestSortingActivePodsWithRanks equality', unknownPhase, unknownPhase],
    ['TestSortingActivePodsWithRanks equality', notReady, notReady],
    ['TestSortingActivePodsWithRanks equality', createdThen, createdThen],
    ['TestSortingActivePodsWithRanks equality', readyNow, readyNow],
    ['TestSortingActivePodsWithRanks equality', readyThen, readyThen],
    ['TestSortingActivePodsWithRanks equality', highRestarts, highRestarts],
    ['TestSortingActivePodsWithRanks equality', unscheduled5h, unscheduled8h],
    ['TestSortingActivePodsWithRanks equality', ready5h, ready8h],
  ];
  it.each(equality.map(([test, a, b]) => [`${test}: ${a.name} and ${b.name} at equal ranks`, a, b] as const))(
    '%s (input order kept)',
    (_title, a, b) => {
      const second = { ...b, name: `${b.name}-2` };
      const sameRank = [{ nodeName: a.nodeName }];
      expect(deletionOrder([a, second], NOW, sameRank)).toEqual([a, second]);
      expect(deletionOrder([second, a], NOW, sameRank)).toEqual([second, a]);
    },
  );

  it('TestSortingActivePods: nine pods of one ReplicaSet in the expected order, from any input order', () => {
    const then = ago(month);
    const expected = [
      up('pod0', { nodeName: '', phase: 'Pending' }),
      up('pod1', { nodeName: 'bar', phase: 'Pending' }),
      up('pod2', { nodeName: 'foo', phase: 'Unknown' }),
      up('pod3', { nodeName: 'foo' }),
      up('pod4', { nodeName: 'foo', ready: true, restarts: 3 }),
      up('pod5', { nodeName: 'foo', ready: true, restarts: 3, readySinceMs: NOW }),
      up('pod6', { nodeName: 'foo', ready: true, restarts: 3, readySinceMs: then }),
      up('pod7', { nodeName: 'foo', ready: true, restarts: 2, readySinceMs: then, createdMs: NOW }),
      up('pod8', { nodeName: 'foo', ready: true, restarts: 2, readySinceMs: then, createdMs: then }),
    ];
    const inputs = [
      [...expected].reverse(),
      ...expected.map((_, i) => [...expected.slice(i), ...expected.slice(0, i)]),
    ];
    for (const input of inputs)
      expect(deletionOrder(input, NOW).map((p) => p.name)).toEqual(expected.map((p) => p.name));
  });
});
