/** The label index: the objects holding one label value, rebuilt once the store has changed. */
import { describe, expect, it } from '@jest/globals';
import { labelled } from '../../../../../emulator/kube/storage/label-index.js';
import { cluster, deploymentBody } from '../support/fixtures.js';

describe('labelled', () => {
  it('returns the pods holding the label value, and follows label changes made after a lookup', () => {
    const { store, registry, controllers } = cluster();
    registry.applyDeployment('jobs', deploymentBody('web', 2));
    registry.applyDeployment('jobs', deploymentBody('api', 1));
    controllers.advance();
    const pods = () => store.pods('jobs').map((e) => e.object);
    const names = (app: string) =>
      labelled(store, 'pods', 'jobs', ['app', app], pods)
        .map((p) => p.metadata.name)
        .sort();
    expect(names('web')).toHaveLength(2);
    expect(names('api')).toHaveLength(1);
    expect(names('none')).toEqual([]);
    const [entry] = store.pods('jobs').filter((e) => e.object.metadata.labels?.app === 'api');
    if (entry === undefined) throw new Error('no api pod');
    entry.object.metadata.labels = { ...entry.object.metadata.labels, app: 'moved' };
    store.changePod(entry);
    expect(names('api')).toEqual([]);
    expect(names('moved')).toEqual([entry.object.metadata.name]);
  });

  it('keeps namespaces and resources apart', () => {
    const { store, registry, controllers } = cluster();
    registry.applyDeployment('jobs', deploymentBody('web', 1));
    const other = deploymentBody('web', 3);
    registry.applyDeployment('other', { ...other, metadata: { ...other.metadata, namespace: 'other' } });
    controllers.advance();
    const podsIn = (ns?: string) => () => store.pods(ns).map((e) => e.object);
    expect(labelled(store, 'pods', 'jobs', ['app', 'web'], podsIn('jobs'))).toHaveLength(1);
    expect(labelled(store, 'pods', 'other', ['app', 'web'], podsIn('other'))).toHaveLength(3);
    expect(labelled(store, 'pods', undefined, ['app', 'web'], podsIn())).toHaveLength(4);
    const sets = () => store.replicaSets('jobs').map((e) => e.object);
    expect(labelled(store, 'replicasets', 'jobs', ['app', 'web'], sets)).toHaveLength(1);
  });
});
