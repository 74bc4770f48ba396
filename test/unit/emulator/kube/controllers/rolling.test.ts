/**
 * The Deployment controller's size decisions (emulator/kube/controllers/rolling.ts), on table rows
 * taken from kubernetes' own tests: pkg/controller/deployment/rolling_test.go
 * (TestDeploymentController_reconcileNewReplicaSet, _reconcileOldReplicaSets,
 * _cleanupUnhealthyReplicas, _scaleDownOldReplicaSetsForRollingUpdate) and sync_test.go (TestScale).
 */
import { describe, expect, it } from '@jest/globals';
import type { Deployment } from '../../../../../emulator/kube/apis/objects.js';
import type { ReplicaSet } from '../../../../../emulator/kube/apis/workloads.js';
import {
  maxSurge,
  setReplicasAnnotations,
} from '../../../../../emulator/kube/controllers/deployment-util.js';
import {
  cleanupUnhealthyReplicas,
  reconcileNewReplicaSet,
  reconcileOldReplicaSets,
  rollRecreate,
  scaleDownOldReplicaSetsForRollingUpdate,
  scaleProportionally,
  type Scaler,
} from '../../../../../emulator/kube/controllers/rolling.js';

const times = { older: '2025-06-01T07:00:00Z', old: '2025-06-01T07:30:00Z', new: '2025-06-01T08:00:00Z' };

/** newDeployment of deployment_controller_test.go: maxSurge and maxUnavailable 0 unless given. */
function deployment(replicas: number, surge = 0, unavailable = 0, type = 'RollingUpdate'): Deployment {
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'foo', uid: 'd', resourceVersion: '1', creationTimestamp: times.older },
    spec: {
      replicas,
      selector: { matchLabels: { foo: 'bar' } },
      template: { spec: { containers: [{ name: 'c' }] } },
      strategy: { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
    },
    status: {},
  };
}

function rs(name: string, replicas: number, created: keyof typeof times = 'new', available = 0): ReplicaSet {
  return {
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: { name, uid: name, resourceVersion: '1', creationTimestamp: times[created] },
    spec: { replicas, selector: {}, template: { spec: { containers: [] } } },
    status: { replicas, availableReplicas: available, observedGeneration: 1 },
  };
}

/** A Scaler that records the writes, as the fake clientset's actions do. */
function recorder(): { scale: Scaler; writes: [string, number][] } {
  const writes: [string, number][] = [];
  const scale: Scaler = (set, replicas, always = false) => {
    const sized = set.spec.replicas !== replicas;
    if (sized || always) writes.push([set.metadata.name, replicas]);
    set.spec.replicas = replicas;
    return sized;
  };
  return { scale, writes };
}

describe('reconcileNewReplicaSet (TestDeploymentController_reconcileNewReplicaSet)', () => {
  it.each([
    [10, 0, 10, 0, undefined], // should not scale up
    [10, 2, 10, 0, 2],
    [10, 2, 5, 0, 7],
    [10, 2, 10, 2, undefined],
    [10, 2, 2, 11, 10], // should scale down
  ])(
    'replicas %i, maxSurge %i, old %i, new %i -> new %p',
    (replicas, surge, oldReplicas, newReplicas, expected) => {
      const newRS = rs('foo-v2', newReplicas);
      const all = [newRS, rs('foo-v1', oldReplicas)];
      const { scale, writes } = recorder();
      const scaled = reconcileNewReplicaSet(all, newRS, deployment(replicas, surge, 0), scale);
      expect(scaled).toBe(expected !== undefined);
      expect(writes).toEqual(expected === undefined ? [] : [['foo-v2', expected]]);
    },
  );
});

describe('reconcileOldReplicaSets (TestDeploymentController_reconcileOldReplicaSets)', () => {
  it.each([
    [10, 0, 10, 0, 10, 0, 9],
    [10, 2, 10, 0, 10, 0, 8],
    [10, 2, 10, 0, 8, 0, 8], // unhealthy old replicas cleaned up
    [10, 2, 10, 0, 9, 0, 8], // one unhealthy cleaned up, one ready scaled down
    [10, 2, 8, 2, 8, 0, undefined], // unavailable new pods hold the old ones
  ])(
    'replicas %i, maxUnavailable %i, old %i, new %i, ready old %i, ready new %i -> old %p',
    (replicas, unavailable, oldReplicas, newReplicas, readyOld, readyNew, expected) => {
      const newRS = rs('foo-new', newReplicas, 'new', readyNew);
      const oldRS = rs('foo-old', oldReplicas, 'old', readyOld);
      const { scale } = recorder();
      const scaled = reconcileOldReplicaSets(
        [oldRS, newRS],
        [oldRS],
        newRS,
        deployment(replicas, 0, unavailable),
        scale,
      );
      expect(scaled).toBe(expected !== undefined);
      expect(oldRS.spec.replicas).toBe(expected ?? oldReplicas);
    },
  );
});

describe('cleanupUnhealthyReplicas (TestDeploymentController_cleanupUnhealthyReplicas)', () => {
  it.each([
    [10, 8, 1, 1],
    [10, 8, 3, 2],
    [10, 8, 0, 0],
    [10, 10, 3, 0],
  ])('old %i, ready %i, max cleanup %i -> %i cleaned', (oldReplicas, ready, maxCleanup, expected) => {
    const oldRS = rs('foo-v2', oldReplicas, 'old', ready);
    expect(cleanupUnhealthyReplicas([oldRS], maxCleanup, recorder().scale)).toBe(expected);
    expect(oldRS.spec.replicas).toBe(oldReplicas - expected);
  });
});

describe('scaleDownOldReplicaSetsForRollingUpdate (TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate)', () => {
  it.each([
    [10, 0, 10, 10, 9],
    [10, 2, 10, 10, 8],
    [10, 2, 8, 10, undefined],
    [10, 2, 10, 0, undefined],
    [10, 2, 1, 10, undefined],
  ])(
    'replicas %i, maxUnavailable %i, ready %i, old %i -> old %p',
    (replicas, unavailable, ready, oldReplicas, expected) => {
      const oldRS = rs('foo-v2', oldReplicas, 'old', ready);
      const { scale, writes } = recorder();
      const scaled = scaleDownOldReplicaSetsForRollingUpdate(
        [oldRS],
        [oldRS],
        deployment(replicas, 0, unavailable),
        scale,
      );
      expect(scaled > 0).toBe(expected !== undefined);
      expect(writes).toEqual(expected === undefined ? [] : [['foo-v2', expected]]);
    },
  );
});

type Row = [
  string,
  Deployment,
  Deployment,
  ReplicaSet | undefined,
  ReplicaSet[],
  number | undefined,
  number[],
];

describe('scaleProportionally (TestScale)', () => {
  const rows: Row[] = [
    ['normal scaling event: 10 -> 12', deployment(12), deployment(10), rs('foo-v1', 10), [], 12, []],
    ['normal scaling event: 10 -> 5', deployment(5), deployment(10), rs('foo-v1', 10), [], 5, []],
    [
      'proportional scaling: 5 -> 10',
      deployment(10),
      deployment(5),
      rs('foo-v2', 2),
      [rs('foo-v1', 3, 'old')],
      4,
      [6],
    ],
    [
      'proportional scaling: 5 -> 3',
      deployment(3),
      deployment(5),
      rs('foo-v2', 2),
      [rs('foo-v1', 3, 'old')],
      1,
      [2],
    ],
    [
      'leftover distribution: 3 -> 2',
      deployment(2),
      deployment(3),
      rs('foo-v3', 1),
      [rs('foo-v2', 1, 'old'), rs('foo-v1', 1, 'older')],
      1,
      [1, 0],
    ],
    [
      'proportional scaling (no new rs): 4 -> 5',
      deployment(5),
      deployment(4),
      undefined,
      [rs('foo-v2', 2, 'old'), rs('foo-v1', 2, 'older')],
      undefined,
      [3, 2],
    ],
    [
      'proportional scaling: 6 -> 0',
      deployment(0),
      deployment(6),
      rs('foo-v3', 3),
      [rs('foo-v2', 2, 'old'), rs('foo-v1', 1, 'older')],
      0,
      [0, 0],
    ],
    [
      'proportional scaling: 0 -> 6',
      deployment(6),
      deployment(6),
      rs('foo-v3', 0),
      [rs('foo-v2', 0, 'old'), rs('foo-v1', 0, 'older')],
      6,
      [0, 0],
    ],
    [
      'deployment with surge pods',
      deployment(20, 2),
      deployment(10, 2),
      rs('foo-v2', 6),
      [rs('foo-v1', 6, 'old')],
      11,
      [11],
    ],
    [
      'change both surge and size',
      deployment(50, 6),
      deployment(10, 3),
      rs('foo-v2', 5),
      [rs('foo-v1', 8, 'old')],
      22,
      [34],
    ],
    [
      'change both size and template',
      deployment(14),
      deployment(10),
      undefined,
      [rs('foo-v2', 7, 'new'), rs('foo-v1', 3, 'old')],
      undefined,
      [10, 4],
    ],
    [
      'saturated but broken new replica set does not affect old pods',
      deployment(2, 1, 1),
      deployment(2, 1, 1),
      rs('foo-v2', 2, 'new', 0),
      [rs('foo-v1', 1, 'old')],
      2,
      [1],
    ],
  ];
  it.each(rows)('%s', (_name, d, before, newRS, oldRSs, expectedNew, expectedOld) => {
    // The test sets each set's annotations from the Deployment before the scaling event.
    for (const set of [...oldRSs, ...(newRS === undefined ? [] : [newRS])])
      setReplicasAnnotations(set, before.spec.replicas, before.spec.replicas + maxSurge(before));
    scaleProportionally(newRS, oldRSs, d, recorder().scale);
    expect(newRS?.spec.replicas).toBe(expectedNew);
    expect(oldRSs.map((set) => set.spec.replicas)).toEqual(expectedOld);
  });
});

describe('rollRecreate (recreate.go rolloutRecreate)', () => {
  it('scales the old sets to 0 first, and the new one up only once no old pod runs', () => {
    const d = deployment(3, 0, 0, 'Recreate');
    const newRS = rs('foo-v2', 0);
    const oldRS = rs('foo-v1', 3, 'old', 3);
    const { scale, writes } = recorder();
    expect(rollRecreate(newRS, [oldRS], d, true, scale)).toBe(true);
    expect(rollRecreate(newRS, [oldRS], d, true, scale)).toBe(false);
    expect(rollRecreate(newRS, [oldRS], d, false, scale)).toBe(true);
    expect(writes).toEqual([
      ['foo-v1', 0],
      ['foo-v2', 3],
    ]);
  });
});
