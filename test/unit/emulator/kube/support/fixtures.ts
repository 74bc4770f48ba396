/** A store, controllers and registry on a manual clock, and a Deployment body, for unit tests. */
import { ManualClock } from '../../../../../shared/clock.js';
import { Admission } from '../../../../../emulator/kube/apiserver/admission.js';
import { ControllerManager } from '../../../../../emulator/kube/controllers/manager.js';
import type { RemovedPod } from '../../../../../emulator/kube/controllers/replicaset.js';
import { Registry } from '../../../../../emulator/kube/registry/index.js';
import { Store } from '../../../../../emulator/kube/storage/store.js';

export const START = Date.parse('2025-06-01T08:00:00Z');

export function deploymentBody(name: string, replicas: number, annotations: Record<string, string> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'jobs', annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } as Record<string, string> },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
    },
  };
}

export function cluster(nodes = 3) {
  const clock = new ManualClock(START);
  const store = new Store(clock);
  const removed: RemovedPod[] = [];
  const controllers = new ControllerManager(store, clock, { nodes, onRemoved: (r) => removed.push(r) });
  const admission = new Admission();
  const registry = new Registry({ store, controllers, clock, admission });
  return { clock, store, controllers, registry, admission, removed };
}
