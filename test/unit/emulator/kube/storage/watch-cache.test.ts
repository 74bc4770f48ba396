/** The watch cache: a start from now or from a version, live fan-out, and 410 when compacted. */
import { describe, expect, it } from '@jest/globals';
import { WatchCache, type WatchEvent } from '../../../../../emulator/kube/storage/watch-cache.js';
import { cluster, deploymentBody } from '../support/fixtures.js';

describe('WatchCache', () => {
  it('starts with the current objects, then sends changes in scope', () => {
    const { store, registry } = cluster();
    const cache = new WatchCache(store);
    registry.applyDeployment('jobs', deploymentBody('web', 0));
    const sent: WatchEvent[] = [];
    const filter = { kind: 'Deployment' as const, namespace: 'jobs', matches: () => true };
    const current = () => store.deployments('jobs').map((e) => e.object);
    const started = cache.open(filter, undefined, current, (e) => sent.push(e));
    if (!started.ok) throw new Error('not started');
    expect(started.backlog.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'web']]);
    registry.setReplicas('jobs', 'web', 2);
    registry.applyDeployment('other', { ...deploymentBody('elsewhere', 0), metadata: { name: 'elsewhere' } });
    expect(sent.map((e) => [e.type, e.object.metadata.name])).toEqual([['MODIFIED', 'web']]);
    started.stop();
    registry.setReplicas('jobs', 'web', 3);
    expect(sent).toHaveLength(1);
  });

  it('replays the changes after a version, one event per object, and refuses a compacted one', () => {
    const { store, registry } = cluster();
    const cache = new WatchCache(store, 4);
    registry.applyDeployment('jobs', deploymentBody('web', 0));
    const since = store.resourceVersion;
    registry.setReplicas('jobs', 'web', 1);
    registry.setReplicas('jobs', 'web', 2);
    const filter = { kind: 'Deployment' as const, namespace: '', matches: () => true };
    const replay = cache.open(
      filter,
      since,
      () => [],
      () => undefined,
    );
    if (!replay.ok) throw new Error('not started');
    expect(replay.backlog.map((e) => [e.type, e.object.spec])).toEqual([
      ['MODIFIED', expect.objectContaining({ replicas: 2 })],
    ]);
    for (let i = 3; i < 10; i++) registry.setReplicas('jobs', 'web', i);
    expect(
      cache.open(
        filter,
        since,
        () => [],
        () => undefined,
      ),
    ).toMatchObject({ ok: false });
  });
});
