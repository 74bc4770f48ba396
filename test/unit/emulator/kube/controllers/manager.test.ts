/**
 * The controllers on virtual time: the ReplicaSet creates and picks pods, the scheduler spreads
 * them, the kubelet walks them through Pending, Running and Ready and ends them after their
 * grace period, and the Deployment status follows.
 */
import { describe, expect, it } from '@jest/globals';
import { isPodReady } from '../../../../../emulator/kube/apis/pods.js';
import { cluster, deploymentBody } from '../support/fixtures.js';

const startup = {
  'emulator.prescaler.dev/startup-seconds': '5',
  'emulator.prescaler.dev/termination-grace-seconds': '2',
};

describe('ControllerManager', () => {
  it('brings pods up on time, spread over the nodes, and reports them in the Deployment status', () => {
    const { clock, store, controllers, registry } = cluster(3);
    registry.applyDeployment('jobs', deploymentBody('web', 3, startup));
    controllers.advance();
    const pods = () => store.pods('jobs').map((e) => e.object);
    expect(pods().map((p) => p.status.phase)).toEqual(['Pending', 'Pending', 'Pending']);
    expect(pods().every((p) => p.spec.nodeName === undefined)).toBe(true);
    clock.advance(1000); // bound at min(1 s, S/5)
    controllers.advance();
    expect(new Set(pods().map((p) => p.spec.nodeName)).size).toBe(3);
    clock.advance(1000); // started at min(3 s, 2S/5)
    controllers.advance();
    expect(pods().every((p) => p.status.phase === 'Running' && !isPodReady(p))).toBe(true);
    clock.advance(3000); // ready at S
    controllers.advance();
    expect(pods().every(isPodReady)).toBe(true);
    const status = store.deployment('jobs', 'web')?.object.status;
    expect(status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
    expect(controllers.nodeNames).toHaveLength(3);
  });

  it('scales in through graceful deletion and records each pod it picks', async () => {
    const { clock, store, controllers, registry, removed } = cluster();
    registry.applyDeployment('jobs', deploymentBody('web', 2, startup));
    clock.advance(5000);
    controllers.advance();
    registry.setReplicas('jobs', 'web', 1);
    controllers.advance();
    const terminating = store.pods('jobs').filter((e) => e.object.metadata.deletionTimestamp !== undefined);
    expect(terminating).toHaveLength(1);
    expect(terminating[0]?.object.metadata.deletionGracePeriodSeconds).toBe(2);
    await controllers.settle();
    expect(removed).toEqual([expect.objectContaining({ deployment: 'web', ready: true, busy: undefined })]);
    expect(store.deployment('jobs', 'web')?.object.status.replicas).toBe(1);
    clock.advance(2000);
    controllers.advance();
    expect(store.pods('jobs')).toHaveLength(1);
  });

  it('replaces a pod deleted through the API', () => {
    const { clock, store, controllers, registry } = cluster();
    registry.applyDeployment('jobs', deploymentBody('web', 1, startup));
    controllers.advance();
    const [first] = store.pods('jobs');
    if (first === undefined) throw new Error('no pod');
    controllers.deletePod(first, 0);
    controllers.advance();
    expect(store.pods('jobs').filter((e) => e !== first)).toHaveLength(1);
    clock.advance(1);
    controllers.advance();
    expect(store.pods('jobs').includes(first)).toBe(false);
  });
});
