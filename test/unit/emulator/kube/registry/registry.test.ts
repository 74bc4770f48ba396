/**
 * The registry behind the HTTP layer: requests routed to their resource, writes admitted (or
 * refused) by the admission plugins before they are stored, writes from code not admitted.
 */
import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../../../../shared/clock.js';
import { Admission, type AdmissionAttributes } from '../../../../../emulator/kube/apiserver/admission.js';
import { ApiError, forbidden } from '../../../../../emulator/kube/apiserver/errors.js';
import { requestInfo, type ResourceRequest } from '../../../../../emulator/kube/apiserver/request-info.js';
import { ControllerManager } from '../../../../../emulator/kube/controllers/manager.js';
import { Registry, type Call } from '../../../../../emulator/kube/registry/index.js';
import { Store } from '../../../../../emulator/kube/storage/store.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'jobs' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
  },
};

function setup(): { registry: Registry; seen: AdmissionAttributes[]; store: Store } {
  const clock = new ManualClock(Date.parse('2025-06-01T08:00:00Z'));
  const store = new Store(clock);
  const seen: AdmissionAttributes[] = [];
  const admission = new Admission([
    {
      name: 'MaxTwoReplicas',
      validate: (a) => {
        seen.push(a);
        const replicas = (a.object as { spec?: { replicas?: number } } | undefined)?.spec?.replicas;
        if (replicas !== undefined && replicas > 2) {
          throw forbidden({ group: a.group, resource: a.resource }, a.name, 'at most 2 replicas');
        }
      },
    },
  ]);
  const controllers = new ControllerManager(store, clock);
  return { registry: new Registry({ store, controllers, clock, admission }), seen, store };
}

function call(method: string, path: string, body = '', contentType?: string): Call {
  const info = requestInfo(method, path, new URLSearchParams()) as ResourceRequest;
  return { info, user: 'alice', query: new URLSearchParams(), contentType, body };
}

describe('Registry', () => {
  it('admits a create with the object to be stored and the user', () => {
    const { registry, seen } = setup();
    const reply = registry.handle(
      call('POST', '/apis/apps/v1/namespaces/jobs/deployments', JSON.stringify(deployment)),
    );
    expect(reply.status).toBe(201);
    expect(seen).toEqual([
      expect.objectContaining({ operation: 'CREATE', user: 'alice', resource: 'deployments', name: 'web' }),
    ]);
    expect(seen[0]?.oldObject).toBeUndefined();
  });

  it('refuses a scale write a plugin rejects, and stores nothing', () => {
    const { registry, seen, store } = setup();
    registry.applyDeployment('jobs', deployment);
    expect(seen).toEqual([]); // a write from code is not a request
    const scale = call(
      'PATCH',
      '/apis/apps/v1/namespaces/jobs/deployments/web/scale',
      '{"spec":{"replicas":3}}',
      'application/merge-patch+json',
    );
    expect(() => registry.handle(scale)).toThrow(ApiError);
    expect(seen[0]).toMatchObject({
      operation: 'UPDATE',
      subresource: 'scale',
      object: { kind: 'Scale', spec: { replicas: 3 } },
      oldObject: { kind: 'Scale', spec: { replicas: 1 } },
    });
    expect(store.deployment('jobs', 'web')?.object.spec.replicas).toBe(1);
    const allowed = { ...scale, body: '{"spec":{"replicas":2}}' };
    expect(registry.handle(allowed).status).toBe(200);
    expect(store.deployment('jobs', 'web')?.object.spec.replicas).toBe(2);
  });

  it('routes only the resources it serves', () => {
    const { registry } = setup();
    expect(() => registry.handle(call('GET', '/apis/apps/v1/namespaces/jobs/replicasets'))).toThrow(
      expect.objectContaining({ code: 404 }),
    );
  });
});
