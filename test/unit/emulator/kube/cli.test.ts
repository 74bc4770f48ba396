import { describe, expect, it } from '@jest/globals';
import { resolve } from 'node:path';
import { parseCli } from '../../../../emulator/kube/cli.js';

describe('npm run kube options', () => {
  it('reads every option', () => {
    expect(
      parseCli([
        '--port',
        '6443',
        '--kubeconfig',
        'kc',
        '--manifests',
        'dir',
        '--rbac',
        'rbac.yaml',
        '--http',
        '--nodes',
        '5',
        '--namespace',
        'tf-serving',
        '--verbose',
      ]),
    ).toEqual({
      port: 6443,
      kubeconfig: resolve('kc'),
      manifests: 'dir',
      rbac: 'rbac.yaml',
      http: true,
      nodes: 5,
      namespace: 'tf-serving',
      verbose: true,
    });
  });

  it('defaults to a free port over HTTPS', () => {
    expect(parseCli(['--kubeconfig', '/tmp/kc'])).toMatchObject({ port: 0, http: false, verbose: false });
  });

  it.each([
    [['--port', '70000', '--kubeconfig', 'k'], '--port: value "70000" must be an integer from 0 to 65535'],
    [['--port', 'x', '--kubeconfig', 'k'], '--port: value "x" must be an integer from 0 to 65535'],
    [['--port', '1'], '--kubeconfig: missing required option'],
    [['--kubeconfig', 'k', '--nodes', '0'], '--nodes: value "0" must be an integer from 1 to 1000'],
    [['--kubeconfig', 'k', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('%j → %s', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });
});
