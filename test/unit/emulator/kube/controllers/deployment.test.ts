/**
 * Rollouts through the emulator's controllers on virtual time (emulator/kube/controllers/
 * deployment.ts, rolling.ts, replicaset.ts): a template change makes a new ReplicaSet and walks
 * the pods over within maxSurge and maxUnavailable, a scale in the middle is split in proportion,
 * a rollback reuses the old set with the next revision, Recreate empties the old set first.
 */
import { describe, expect, it } from '@jest/globals';
import { isPodActive } from '../../../../../emulator/kube/apis/pods.js';
import type { Json, JsonObject } from '../../../../../emulator/kube/registry/patch.js';
import { cluster, deploymentBody } from '../support/fixtures.js';

const timing = {
  'emulator.prescaler.dev/startup-seconds': '5',
  'emulator.prescaler.dev/termination-grace-seconds': '2',
};

function withImage(name: string, replicas: number, image: string, spec: JsonObject = {}): Json {
  const body = deploymentBody(name, replicas, timing);
  const container = body.spec.template.spec.containers[0];
  if (container !== undefined) container.image = image;
  return { ...body, spec: { ...body.spec, ...spec } };
}

const surge3 = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } } };
const recreate = { strategy: { type: 'Recreate' } };

function setup(replicas: number, spec: JsonObject = {}) {
  const c = cluster();
  c.registry.applyDeployment('jobs', withImage('web', replicas, 'i:1', spec));
  c.clock.advance(10_000);
  c.controllers.advance();
  const sizes = () =>
    c.store.replicaSets('jobs').map((rs) => ({
      image: rs.object.spec.template.spec.containers[0]?.image,
      replicas: rs.object.spec.replicas,
      revision: rs.object.metadata.annotations?.['deployment.kubernetes.io/revision'],
      pods: [...rs.pods].filter((p) => isPodActive(p.object)).length,
    }));
  const active = () => c.store.pods('jobs').filter((p) => isPodActive(p.object)).length;
  return { ...c, sizes, active };
}

describe('Deployment rollouts', () => {
  it('rolls a template change over within maxSurge and maxUnavailable, then reports it complete', () => {
    const t = setup(4);
    expect(t.sizes()).toEqual([{ image: 'i:1', replicas: 4, revision: '1', pods: 4 }]);
    t.registry.applyDeployment('jobs', withImage('web', 4, 'i:2'));
    t.controllers.advance();
    // 25% of 4: one surge pod, one unavailable: new 2 (one ready old went), old 3.
    expect(t.sizes()).toEqual([
      { image: 'i:1', replicas: 3, revision: '1', pods: 3 },
      { image: 'i:2', replicas: 2, revision: '2', pods: 2 },
    ]);
    let most = 0;
    for (let s = 0; s < 40; s++) {
      t.clock.advance(1000);
      t.controllers.advance();
      most = Math.max(most, t.active());
    }
    expect(most).toBeLessThanOrEqual(5);
    expect(t.sizes()).toEqual([
      { image: 'i:1', replicas: 0, revision: '1', pods: 0 },
      { image: 'i:2', replicas: 4, revision: '2', pods: 4 },
    ]);
    const d = t.store.deployment('jobs', 'web')?.object;
    expect(d?.status).toMatchObject({
      replicas: 4,
      updatedReplicas: 4,
      availableReplicas: 4,
      observedGeneration: 2,
    });
    expect(d?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const name = t.store.replicaSets('jobs')[1]?.object.metadata.name ?? '';
    expect(d?.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "${name}" has successfully progressed.`,
    });
    // Every pod is owned by its ReplicaSet and carries its hash.
    for (const rs of t.store.replicaSets('jobs'))
      for (const pod of rs.pods) {
        expect(pod.object.metadata.ownerReferences?.[0]?.uid).toBe(rs.object.metadata.uid);
        expect(pod.object.metadata.labels?.['pod-template-hash']).toBe(rs.hash);
      }
  });

  it('splits a scale in the middle of a rollout between the sets in proportion (TestScale rule)', () => {
    const t = setup(10, surge3);
    t.registry.applyDeployment('jobs', withImage('web', 10, 'i:2', surge3));
    t.controllers.advance();
    // New set at 3 surge pods, not yet ready: old stays 10 (maxUnavailable 0).
    expect(t.sizes().map((s) => s.replicas)).toEqual([10, 3]);
    const seen: number[][] = [];
    t.store.watch((change) => {
      if (change.type === 'MODIFIED' && change.object.kind === 'ReplicaSet')
        seen.push(t.sizes().map((s) => s.replicas));
    });
    t.registry.setReplicas('jobs', 'web', 5);
    t.controllers.advance();
    // scale(): allowed 5 + 3 = 8 of 13 (the max-replicas annotation): old round(10*8/13) = 6,
    // new round(3*8/13) = 2; then the rolling update goes on: one available old pod more may go.
    expect(seen).toContainEqual([6, 2]);
    expect(seen.findIndex((s) => s[0] === 6 && s[1] === 2)).toBeLessThan(seen.findIndex((s) => s[0] === 5));
    expect(t.sizes().map((s) => s.replicas)).toEqual([5, 3]);
    expect(
      t.store
        .replicaSets('jobs')
        .map((rs) => rs.object.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']),
    ).toEqual(['5', '5']);
  });

  it('rolls back to an old template by reusing its ReplicaSet with the next revision', () => {
    const t = setup(2);
    t.registry.applyDeployment('jobs', withImage('web', 2, 'i:2'));
    t.clock.advance(30_000);
    t.controllers.advance();
    t.registry.applyDeployment('jobs', withImage('web', 2, 'i:1'));
    t.clock.advance(30_000);
    t.controllers.advance();
    expect(t.sizes()).toEqual([
      { image: 'i:1', replicas: 2, revision: '3', pods: 2 },
      { image: 'i:2', replicas: 0, revision: '2', pods: 0 },
    ]);
    expect(
      t.store.deployment('jobs', 'web')?.object.metadata.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('3');
  });

  it('Recreate: the new set starts only once every old pod is gone', () => {
    const t = setup(2, recreate);
    t.registry.applyDeployment('jobs', withImage('web', 2, 'i:2', recreate));
    t.controllers.advance();
    expect(t.sizes().map((s) => [s.replicas, s.pods])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(t.store.pods('jobs')).toHaveLength(2); // terminating for 2 s
    t.clock.advance(2000);
    t.controllers.advance();
    expect(t.sizes().map((s) => [s.replicas, s.pods])).toEqual([
      [0, 0],
      [2, 2],
    ]);
  });

  it('keeps revisionHistoryLimit old empty sets', () => {
    const t = setup(1, { revisionHistoryLimit: 1 });
    for (const image of ['i:2', 'i:3', 'i:4']) {
      t.registry.applyDeployment('jobs', withImage('web', 1, image, { revisionHistoryLimit: 1 }));
      t.clock.advance(30_000);
      t.controllers.advance();
    }
    expect(t.sizes().map((s) => s.image)).toEqual(['i:3', 'i:4']);
  });
});
