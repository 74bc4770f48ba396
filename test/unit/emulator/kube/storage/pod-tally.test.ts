/**
 * The running pod counts: after every kind of pod write (creation, binding, readiness, a label
 * change, graceful deletion, removal) they equal a count over every pod, and the ReplicaSet status
 * and the scheduler's per-node counts read from them match that walk.
 */
import { describe, expect, it } from '@jest/globals';
import { isPodActive, isPodReady } from '../../../../../emulator/kube/apis/pods.js';
import type { ReplicaSetEntry } from '../../../../../emulator/kube/storage/store.js';
import { cluster, deploymentBody } from '../support/fixtures.js';

/** calculateStatus's counts and the per-node counts made the slow way, from every pod. */
function walked(rs: ReplicaSetEntry) {
  const wanted = rs.object.spec.template.metadata?.labels ?? {};
  let active = 0;
  let fullyLabeled = 0;
  let ready = 0;
  for (const { object: pod } of rs.pods) {
    if (!isPodActive(pod)) continue;
    active++;
    if (Object.entries(wanted).every(([k, v]) => pod.metadata.labels?.[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) ready++;
  }
  const nodes = new Map<string, number>();
  for (const { object: pod } of rs.owner.pods) {
    const node = pod.spec.nodeName;
    if (node !== undefined && isPodActive(pod)) nodes.set(node, (nodes.get(node) ?? 0) + 1);
  }
  return { active, fullyLabeled, ready, nodes };
}

function expectCounted(rs: ReplicaSetEntry): void {
  const slow = walked(rs);
  expect(rs.counts).toMatchObject({
    active: slow.active,
    fullyLabeled: slow.fullyLabeled,
    ready: slow.ready,
  });
  expect([...rs.owner.podsOnNode].sort()).toEqual([...slow.nodes].sort());
  expect(rs.object.status).toMatchObject({
    replicas: slow.active,
    fullyLabeledReplicas: slow.fullyLabeled,
    readyReplicas: slow.ready,
  });
}

describe('pod counts', () => {
  it('follow every pod write and give the status a full walk would', async () => {
    const { clock, store, registry, controllers } = cluster();
    registry.applyDeployment('jobs', deploymentBody('web', 4));
    controllers.advance();
    const rs = store.replicaSets('jobs')[0] as ReplicaSetEntry;
    expectCounted(rs);
    expect(rs.counts.active).toBe(4);

    clock.advance(1_000); // bound, not yet ready
    controllers.advance();
    expectCounted(rs);
    expect(rs.owner.podsOnNode.size).toBe(3);
    clock.advance(5_000); // ready
    controllers.advance();
    expectCounted(rs);
    expect(rs.counts.ready).toBe(4);
    expect(rs.object.status.availableReplicas).toBe(4);

    // A label taken off one pod through a pod write: no longer fully labeled, still active.
    const [first] = [...rs.pods];
    if (first === undefined) throw new Error('no pod');
    const { app: _app, ...otherLabels } = first.object.metadata.labels ?? {};
    store.changePod(first, { ...first.object, metadata: { ...first.object.metadata, labels: otherLabels } });
    controllers.markDirty(rs.owner);
    controllers.advance();
    expectCounted(rs);
    expect(rs.counts.fullyLabeled).toBe(3);

    // Scale-in: the picked pods are Terminating (not active), then gone.
    registry.setReplicas('jobs', 'web', 1);
    controllers.advance();
    await controllers.settle();
    expectCounted(rs);
    expect(rs.counts.active).toBe(1);
    expect(rs.pods.size).toBe(4);
    clock.advance(31_000);
    controllers.advance();
    expectCounted(rs);
    expect(rs.pods.size).toBe(1);
  });

  it('count a ready pod available only minReadySeconds after it became Ready', () => {
    const { clock, store, registry, controllers } = cluster();
    const body = deploymentBody('web', 2);
    registry.applyDeployment('jobs', { ...body, spec: { ...body.spec, minReadySeconds: 10 } });
    controllers.advance();
    const rs = store.replicaSets('jobs')[0] as ReplicaSetEntry;
    clock.advance(5_000);
    controllers.advance();
    expect(rs.object.status).toMatchObject({ readyReplicas: 2, availableReplicas: 0 });
    clock.advance(9_000);
    controllers.advance();
    expect(rs.object.status).toMatchObject({ readyReplicas: 2, availableReplicas: 0 });
    clock.advance(1_000);
    controllers.advance();
    expect(rs.object.status).toMatchObject({ readyReplicas: 2, availableReplicas: 2 });
  });
});
