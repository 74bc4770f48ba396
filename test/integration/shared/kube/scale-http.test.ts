/**
 * The Scale read and write over Node's https (shared/kube/scale-http.ts) on the kubeconfig path of
 * ClusterAccess, against the Kubernetes API emulator over TLS: the calls read and write the real
 * object, a stale resourceVersion is a transient 409, a missing Deployment a permanent 404, a
 * server that never answers a Timeout, and the other calls still go through client-node.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../../shared/clock.js';
import { KubeApiError } from '../../../../shared/errors.js';
import { ClusterAccess } from '../../../../shared/kube/cluster.js';
import { HttpScaleApi } from '../../../../shared/kube/scale-http.js';
import { scaleUpTo, type ScaleRef } from '../../../../shared/kube/scale-api.js';
import { KubeEmulator } from '../../../../emulator/kube/index.js';

const REF: ScaleRef = { namespace: 'ml', deployment: 'resnet' };
const scratch = mkdtempSync(join(tmpdir(), 'prescaler-scale-http-'));
const kubeconfig = join(scratch, 'kubeconfig');
let emu: KubeEmulator;

async function failure(call: () => Promise<unknown>): Promise<KubeApiError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  emu = await KubeEmulator.start({ port: 0, tls: true });
  emu.applyManifest(`apiVersion: apps/v1
kind: Deployment
metadata: { name: resnet, namespace: ml }
spec:
  replicas: 1
  selector: { matchLabels: { app: resnet } }
  template:
    metadata: { labels: { app: resnet } }
    spec: { containers: [{ name: main, image: model }] }`);
  await emu.writeKubeconfig(kubeconfig);
});

afterAll(async () => {
  await emu?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => emu.scale(REF.namespace, REF.deployment, 1));

describe('the Scale over https on the kubeconfig path', () => {
  it('reads and writes the Deployment the kubeconfig points at, over verified TLS', async () => {
    const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig });
    expect(api).toBeInstanceOf(HttpScaleApi);

    const scale = await api.readScale(REF);
    expect(scale).toMatchObject({ replicas: 1, selector: 'app=resnet' });
    const written = await api.writeScale(REF, 4, scale.resourceVersion);
    expect(written.replicas).toBe(4);
    expect(Number(written.resourceVersion)).toBeGreaterThan(Number(scale.resourceVersion));
    expect(emu.getDeployment(REF.namespace, REF.deployment)?.spec.replicas).toBe(4);
    expect(await scaleUpTo(api, REF, 3)).toMatchObject({ from: 4, to: 4, written: false });
  });

  it('a write on a stale resourceVersion is a transient 409 and changes nothing', async () => {
    const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig });
    const stale = (await api.readScale(REF)).resourceVersion;
    await api.writeScale(REF, 2, stale);

    const conflict = await failure(() => api.writeScale(REF, 9, stale));
    expect(conflict).toMatchObject({ status: 409, reason: 'Conflict', permanent: false });
    expect(conflict.message).toContain('scale ml/resnet to 9');
    expect(emu.getDeployment(REF.namespace, REF.deployment)?.spec.replicas).toBe(2);
  });

  it('a Deployment that does not exist is a permanent 404 naming it', async () => {
    const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig });
    const missing = await failure(() => api.readScale({ namespace: 'ml', deployment: 'gone' }));
    expect(missing).toMatchObject({ status: 404, reason: 'NotFound', permanent: true });
    expect(missing.message).toContain('read scale of ml/gone');
  });

  it('the other calls go through client-node on the same kubeconfig', async () => {
    const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig });
    const deployment = await api.readDeployment(REF);
    expect(deployment).toMatchObject({ replicas: 1, selector: 'app=resnet', paused: false });
    const pods = await api.listPods(REF.namespace, deployment.selector);
    expect(pods.map((p) => p.name).sort()).toEqual(
      emu
        .listPods(REF.namespace, 'app=resnet')
        .map((p) => p.metadata.name)
        .sort(),
    );
  });

  it('a server that never answers is a transient Timeout, not a hung call', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const api = new HttpScaleApi({ server: `http://127.0.0.1:${port}`, headers: {}, timeoutMs: 200 }, () =>
        Promise.reject(new Error('not used')),
      );
      const timeout = await failure(() => api.readScale(REF));
      expect(timeout).toMatchObject({ reason: 'Timeout', permanent: false });
      expect(timeout.message).toBe('read scale of ml/resnet: no answer within 200 ms');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
