/** The store: one resourceVersion counter, indexes by namespace and owner, and change events. */
import { describe, expect, it } from '@jest/globals';
import type { Change } from '../../../../../emulator/kube/storage/store.js';
import { cluster, deploymentBody } from '../support/fixtures.js';

describe('Store', () => {
  it('stamps each change with the next resourceVersion and tells its watchers', () => {
    const { store, registry } = cluster();
    const changes: Change[] = [];
    const stop = store.watch((c) => changes.push(c));
    const before = Number(store.resourceVersion);
    registry.applyDeployment('jobs', deploymentBody('web', 0));
    expect(changes.map((c) => [c.type, c.object.kind, c.object.metadata.name])).toEqual([
      ['ADDED', 'Namespace', 'jobs'],
      ['ADDED', 'Deployment', 'web'],
    ]);
    expect(Number(store.resourceVersion)).toBe(before + 2);
    expect(store.deployment('jobs', 'web')?.object.metadata.resourceVersion).toBe(store.resourceVersion);
    stop();
    registry.setReplicas('jobs', 'web', 1);
    expect(changes).toHaveLength(2);
  });

  it('indexes pods by namespace and by owner, and forgets removed ones', () => {
    const { store, registry, controllers } = cluster();
    registry.applyDeployment('jobs', deploymentBody('web', 2));
    controllers.advance();
    const owner = store.deployment('jobs', 'web');
    expect(owner?.pods.size).toBe(2);
    expect(store.pods('jobs')).toHaveLength(2);
    expect(store.pods('elsewhere')).toEqual([]);
    expect(store.pods()).toHaveLength(2);
    const [pod] = store.pods('jobs');
    if (pod === undefined) throw new Error('no pod');
    store.removePod(pod);
    expect(store.pod('jobs', pod.object.metadata.name)).toBeUndefined();
    expect(owner?.pods.size).toBe(1);
  });
});
