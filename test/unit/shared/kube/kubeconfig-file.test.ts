/**
 * The kubeconfig reading of kubeconfig-file.ts against client-node's own: for every shape it reads,
 * the endpoint equals what client-node's KubeConfig resolves (kubeconfig.ts); for every shape it
 * leaves to client-node, it gives undefined.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { fixedKubeconfigEndpoint } from '../../../../shared/kube/kubeconfig-file.js';
import { kubeconfigEndpoint, pooledKubeConfig } from '../../../../shared/kube/kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'prescaler-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'ca.pem'), 'CA FROM FILE');
writeFileSync(join(dir, 'client.pem'), 'CERT FROM FILE');
writeFileSync(join(dir, 'client.key'), 'KEY FROM FILE');
const b64 = (s: string) => Buffer.from(s).toString('base64');

type Entry = Record<string, unknown>;

function write(name: string, cluster: Entry, user: Entry, extra: Entry = {}): string {
  const path = join(dir, `${name}.yaml`);
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'main',
    contexts: [
      { name: 'main', context: { cluster: 'c', user: 'u' } },
      { name: 'other', context: { cluster: 'c2', user: 'u' } },
    ],
    clusters: [
      { name: 'c', cluster: { server: 'https://127.0.0.1:6443/', ...cluster } },
      { name: 'c2', cluster: { server: 'https://10.0.0.2', 'certificate-authority-data': b64('CA2') } },
    ],
    users: [{ name: 'u', user }],
    ...extra,
  };
  writeFileSync(path, dump(doc));
  return path;
}

async function clientNode(path: string, context?: string) {
  const kc = pooledKubeConfig();
  kc.loadFromFile(path);
  if (context) kc.setCurrentContext(context);
  return kubeconfigEndpoint(kc, 5000);
}

describe('fixedKubeconfigEndpoint', () => {
  const read: Array<[string, Entry, Entry, string?]> = [
    ['a bearer token and an inline CA', { 'certificate-authority-data': b64('CA') }, { token: 't0k' }],
    [
      'a client certificate inline, a TLS server name',
      { 'certificate-authority-data': b64('CA'), 'tls-server-name': 'kubernetes' },
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
    ],
    [
      'the CA and the client files relative to the kubeconfig',
      { 'certificate-authority': 'ca.pem' },
      { 'client-certificate': 'client.pem', 'client-key': join(dir, 'client.key') },
    ],
    ['a token with impersonation', {}, { token: 't0k', as: 'alice' }],
    ['another context than the current one', {}, { token: 't0k' }, 'other'],
  ];
  for (const [name, cluster, user, context] of read) {
    it(`reads ${name} as client-node does`, async () => {
      const path = write(name.replace(/\W+/g, '-'), cluster, user);
      const ours = fixedKubeconfigEndpoint(path, context, 5000);
      expect(ours).toBeDefined();
      expect(ours).toEqual(await clientNode(path, context));
    });
  }

  const leftToClientNode: Array<[string, Entry, Entry]> = [
    [
      'an exec plugin',
      {},
      { exec: { command: 'gke-gcloud-auth-plugin', apiVersion: 'client.authentication.k8s.io/v1beta1' } },
    ],
    ['an auth provider', {}, { 'auth-provider': { name: 'gcp' } }],
    ['basic auth', {}, { username: 'admin', password: 'secret' }],
    ['a token file', {}, { 'token-file': '/var/run/token' }],
    ['a proxy', { 'proxy-url': 'http://proxy:3128' }, { token: 't' }],
    ['skipped TLS verification', { 'insecure-skip-tls-verify': true }, { token: 't' }],
  ];
  for (const [name, cluster, user] of leftToClientNode) {
    it(`leaves ${name} to client-node`, () => {
      expect(
        fixedKubeconfigEndpoint(write(name.replace(/\W+/g, '-'), cluster, user), undefined, 5000),
      ).toBeUndefined();
    });
  }

  it('leaves a context that does not exist to client-node, which reports it', () => {
    const path = write('missing-context', {}, { token: 't' });
    expect(fixedKubeconfigEndpoint(path, 'nowhere', 5000)).toBeUndefined();
  });
});
