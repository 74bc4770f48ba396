/**
 * `npm run kube` as a process: it starts alone, prints its URL and kubeconfig path, serves kubectl
 * over plain HTTP with --http, refuses bad options and bad manifests with a message, and stops
 * cleanly on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = ['--import', 'tsx', 'emulator/kube/main.ts'];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...MAIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('npm run kube', () => {
  let dir: string;
  let child: ChildProcessWithoutNullStreams;
  let out = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-emulator-main-'));
    await writeFile(
      join(dir, 'rbac.yaml'),
      'users:\n  - name: viewer\n    token: viewer-token-1\n    rules:\n      - apiGroups: ["apps"]\n        resources: ["deployments"]\n        verbs: ["list"]\n',
    );
    child = spawn(process.execPath, [
      ...MAIN,
      '--port',
      '0',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--manifests',
      'emulator/kube/manifests',
      '--rbac',
      join(dir, 'rbac.yaml'),
      '--http',
    ]);
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const deadline = performance.now() + 20_000;
    while (!out.includes('kubeconfig:')) {
      if (performance.now() > deadline || child.exitCode !== null) throw new Error(`no start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('prints its URL and the kubeconfig it wrote, and serves kubectl over HTTP', async () => {
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(out).toContain(`kubeconfig: ${join(dir, 'kubeconfig')}`);
    expect(out).toContain('deployments: 3');
    const kubeconfig = await readFile(join(dir, 'kubeconfig'), 'utf8');
    expect(kubeconfig).toContain(`server: ${url}`);
    expect(kubeconfig).not.toContain('certificate-authority-data');
    const viewer = await fetch(`${url}/apis/apps/v1/deployments`, {
      headers: { authorization: 'Bearer viewer-token-1' },
    });
    expect(viewer.status).toBe(200);
    expect(((await viewer.json()) as { items: unknown[] }).items).toHaveLength(3);
    const kubectl = await new Promise<string>((resolve) =>
      execFile(
        '/usr/bin/kubectl',
        ['get', 'deploy', '-A', '-o', 'name', '--cache-dir', join(dir, 'cache')],
        { env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') } },
        (_error, stdout, stderr) => resolve(stdout + stderr),
      ),
    );
    expect(kubectl.trim().split('\n')).toEqual([
      'deployment.apps/image-classifier-resnet101',
      'deployment.apps/object-detector-fasterrcnn',
      'deployment.apps/thumbnail-worker',
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('SIGTERM: stopping');
  });

  it('refuses bad options and bad manifests with a message', async () => {
    const noKubeconfig = await run(['--port', '0']);
    expect(noKubeconfig.code).toBe(2);
    expect(noKubeconfig.stderr).toContain('--kubeconfig: missing required option');
    await writeFile(
      join(dir, 'bad.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: 1}\n',
    );
    const badManifest = await run([
      '--kubeconfig',
      join(dir, 'k2'),
      '--manifests',
      join(dir, 'bad.yaml'),
      '--http',
    ]);
    expect(badManifest.code).toBe(1);
    expect(badManifest.stderr).toContain('Deployment "x": spec.selector: Required value');
  });
});
