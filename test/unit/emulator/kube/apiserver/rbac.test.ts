import { describe, expect, it } from '@jest/globals';
import {
  Authorizer,
  forbiddenReason,
  parseRbac,
  RbacFileError,
  ruleAllows,
  type Attributes,
  type Rule,
} from '../../../../../emulator/kube/apiserver/rbac.js';

const scaler: Rule[] = [
  {
    apiGroups: ['apps'],
    resources: ['deployments/scale'],
    verbs: ['get', 'update', 'patch'],
    namespaces: ['tf-serving'],
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments'],
    verbs: ['get'],
    namespaces: ['tf-serving'],
    resourceNames: ['resnet'],
  },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'patch'], namespaces: ['tf-serving'] },
];

const request = (a: Partial<Attributes>): Attributes => ({
  verb: 'get',
  group: 'apps',
  resource: 'deployments',
  subresource: '',
  namespace: 'tf-serving',
  name: 'resnet',
  ...a,
});

describe('RBAC rule matching', () => {
  it.each<[string, Partial<Attributes>, boolean]>([
    ['patch scale in its namespace', { verb: 'patch', subresource: 'scale' }, true],
    ['update scale in its namespace', { verb: 'update', subresource: 'scale' }, true],
    ['patch scale elsewhere', { verb: 'patch', subresource: 'scale', namespace: 'other' }, false],
    ['delete scale (verb not granted)', { verb: 'delete', subresource: 'scale' }, false],
    ['the parent resource is not the subresource', { verb: 'patch' }, false],
    ['get a named deployment', {}, true],
    ['get another deployment (resourceNames)', { name: 'other' }, false],
    ['list deployments (resourceNames never match a list)', { verb: 'list', name: '' }, false],
    ['list pods in its namespace', { verb: 'list', group: '', resource: 'pods', name: '' }, true],
    [
      'list pods at the cluster scope',
      { verb: 'list', group: '', resource: 'pods', name: '', namespace: '' },
      false,
    ],
    ['patch a pod', { verb: 'patch', group: '', resource: 'pods', name: 'p' }, true],
    ['pods in the wrong group', { verb: 'list', group: 'apps', resource: 'pods', name: '' }, false],
  ])('%s → %s', (_what, attributes, allowed) => {
    expect(scaler.some((rule) => ruleAllows(rule, request(attributes)))).toBe(allowed);
  });

  it('understands wildcards, including */scale', () => {
    const anyScale: Rule = { apiGroups: ['*'], resources: ['*/scale'], verbs: ['*'] };
    expect(ruleAllows(anyScale, request({ verb: 'patch', subresource: 'scale', namespace: 'x' }))).toBe(true);
    expect(ruleAllows(anyScale, request({ verb: 'patch' }))).toBe(false);
    const everything: Rule = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
    expect(ruleAllows(everything, request({ verb: 'list', namespace: '', name: '' }))).toBe(true);
    expect(ruleAllows(everything, request({ verb: 'patch', subresource: 'scale' }))).toBe(true);
  });
});

describe('forbidden reasons', () => {
  it('words namespaced and cluster-scoped requests like the API server', () => {
    expect(forbiddenReason('U', request({ verb: 'patch', subresource: 'scale', namespace: 'ns' }))).toBe(
      'User "U" cannot patch resource "deployments/scale" in API group "apps" in the namespace "ns"',
    );
    expect(
      forbiddenReason('U', request({ verb: 'list', group: '', resource: 'pods', namespace: '', name: '' })),
    ).toBe('User "U" cannot list resource "pods" in API group "" at the cluster scope');
  });
});

describe('Authorizer', () => {
  it('maps tokens to users and adds rules to an existing user', () => {
    const authorizer = new Authorizer();
    const token = authorizer.addUser('scaler', scaler.slice(0, 1));
    expect(authorizer.authenticate(token)).toBe('scaler');
    expect(authorizer.authenticate('nope')).toBeUndefined();
    expect(
      authorizer.allows('scaler', request({ verb: 'list', group: '', resource: 'pods', name: '' })),
    ).toBe(false);
    expect(authorizer.addUser('scaler', scaler.slice(2))).toBe(token);
    expect(
      authorizer.allows('scaler', request({ verb: 'list', group: '', resource: 'pods', name: '' })),
    ).toBe(true);
    expect(authorizer.allows('nobody', request({}))).toBe(false);
  });

  it('refuses a token already held by another user', () => {
    const authorizer = new Authorizer();
    authorizer.addUser('a', [], 'shared-token');
    expect(() => authorizer.addUser('b', [], 'shared-token')).toThrow(/already held by user "a"/);
  });
});

describe('rules file', () => {
  it('parses YAML users with tokens and rules', () => {
    const users = parseRbac(`
users:
  - name: prescaler@p.iam.gserviceaccount.com
    token: secret-token-1
    rules:
      - apiGroups: ["apps"]
        resources: ["deployments/scale"]
        verbs: ["get", "patch"]
        namespaces: ["tf-serving"]
`);
    expect(users).toEqual([
      {
        name: 'prescaler@p.iam.gserviceaccount.com',
        token: 'secret-token-1',
        rules: [
          {
            apiGroups: ['apps'],
            resources: ['deployments/scale'],
            verbs: ['get', 'patch'],
            namespaces: ['tf-serving'],
          },
        ],
      },
    ]);
  });

  it('names the key and the problem', () => {
    expect(() => parseRbac('users: [{name: u, token: short, rules: []}]')).toThrow(RbacFileError);
    expect(() => parseRbac('users: [{name: u, token: short, rules: []}]')).toThrow(
      'rbac.users[0].token: must be a token of at least 8 characters',
    );
    expect(() =>
      parseRbac(
        'users: [{name: u, token: long-enough, rules: [{apiGroups: [apps], resources: [x], verbs: [fly]}]}]',
      ),
    ).toThrow(/rbac\.users\[0\]\.rules\[0\]\.verbs\[0\]: Invalid option/);
    expect(() => parseRbac('users: [{name: u, token: long-enough, rules: [], extra: 1}]')).toThrow(
      /Unrecognized key/,
    );
    expect(() =>
      parseRbac('users: [{name: a, token: same-token, rules: []}, {name: b, token: same-token, rules: []}]'),
    ).toThrow('rbac: token of user "b" is used twice');
  });
});
