import { describe, expect, it } from '@jest/globals';
import { requestInfo } from '../../../../../emulator/kube/apiserver/request-info.js';

const info = (method: string, path: string, query = '') =>
  requestInfo(method, path, new URLSearchParams(query));

describe('request info (the API server RequestInfoFactory)', () => {
  it.each([
    [
      'GET',
      '/apis/apps/v1/namespaces/ns/deployments/x/scale',
      '',
      ['get', 'apps', 'ns', 'deployments', 'x', 'scale'],
    ],
    [
      'PATCH',
      '/apis/apps/v1/namespaces/ns/deployments/x/scale',
      '',
      ['patch', 'apps', 'ns', 'deployments', 'x', 'scale'],
    ],
    [
      'PUT',
      '/apis/apps/v1/namespaces/ns/deployments/x/scale',
      '',
      ['update', 'apps', 'ns', 'deployments', 'x', 'scale'],
    ],
    ['GET', '/apis/apps/v1/namespaces/ns/deployments', '', ['list', 'apps', 'ns', 'deployments', '', '']],
    ['GET', '/apis/apps/v1/deployments', '', ['list', 'apps', '', 'deployments', '', '']],
    ['GET', '/api/v1/namespaces/ns/pods', 'watch=true', ['watch', '', 'ns', 'pods', '', '']],
    ['GET', '/api/v1/pods', 'watch=1', ['watch', '', '', 'pods', '', '']],
    ['POST', '/apis/apps/v1/namespaces/ns/deployments', '', ['create', 'apps', 'ns', 'deployments', '', '']],
    ['DELETE', '/api/v1/namespaces/ns/pods/p', '', ['delete', '', 'ns', 'pods', 'p', '']],
    ['DELETE', '/api/v1/namespaces/ns/pods', '', ['deletecollection', '', 'ns', 'pods', '', '']],
    // a namespace's own name is also its namespace, as RBAC sees it
    ['GET', '/api/v1/namespaces/tf-serving', '', ['get', '', 'tf-serving', 'namespaces', 'tf-serving', '']],
    ['GET', '/api/v1/namespaces', '', ['list', '', '', 'namespaces', '', '']],
  ])('%s %s?%s', (method, path, query, [verb, group, namespace, resource, name, subresource]) => {
    expect(info(method, path, query)).toMatchObject({
      kind: 'resource',
      verb,
      group,
      namespace,
      resource,
      name,
      subresource,
    });
  });

  it.each([['/version'], ['/api'], ['/apis'], ['/api/v1'], ['/apis/apps/v1'], ['/healthz']])(
    '%s is not a resource request',
    (path) => {
      expect(info('GET', path)).toEqual({ kind: 'path', verb: 'get', path });
    },
  );
});
