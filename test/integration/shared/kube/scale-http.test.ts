/**
 * The Scale read and write over Node's https (shared/kube/scale-http.ts) on the kubeconfig path of
 * ClusterAccess, against the Kubernetes API emulator over TLS: the calls read and write the real
 * object, a stale resourceVersion is a transient 409, a missing Deployment a permanent 404, a
 * server that never answers a Timeout, and the other calls still go through client-node.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../../shared/clock.js';
import { ClusterAccess } from '../../../../shared/kube/cluster.js';
import { HttpScaleApi } from '../../../../shared/kube/scale-http.js';
import { scaleUpTo, type ScaleRef } from '../../../../shared/kube/scale-api.js';
import { KubeEmulator } from '../../../../emulator/kube/index.js';
import { kubeFailure } from '../../../support/kube-failure.js';

const REF: ScaleRef = { namespace: 'tf-serving', deployment: 'image-classifier-resnet101' };
const MANIFEST = 'emulator/kube/manifests/tf-serving-resnet101.yaml';
const SELECTOR = 'app=image-classifier,version=resnet101';
const scratch = mkdtempSync(join(tmpdir(), 'prescaler-scale-http-'));
const kubeconfig = join(scratch, 'kubeconfig');
let emu: KubeEmulator;

beforeAll(async () => {
  emu = await KubeEmulator.start({ port: 0, tls: true });
  emu.applyManifest(readFileSync(MANIFEST, 'utf8'), MANIFEST);
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
    expect(scale).toMatchObject({ replicas: 1, selector: SELECTOR });
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

    const conflict = await kubeFailure(() => api.writeScale(REF, 9, stale));
    expect(conflict).toMatchObject({ status: 409, reason: 'Conflict', permanent: false });
    expect(conflict.message).toContain(`scale ${REF.namespace}/${REF.deployment} to 9`);
    expect(emu.getDeployment(REF.namespace, REF.deployment)?.spec.replicas).toBe(2);
  });

  it('a Deployment that does not exist is a permanent 404 naming it', async () => {
    const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig });
    const missing = await kubeFailure(() => api.readScale({ namespace: REF.namespace, deployment: 'gone' }));
    expect(missing).toMatchObject({ status: 404, reason: 'NotFound', permanent: true });
    expect(missing.message).toContain(`read scale of ${REF.namespace}/gone`);
  });

  it('the other calls go through client-node on the same kubeconfig', async () => {
    const api = await new ClusterAccess({ clock: systemClock }).apiFor({ kubeconfig });
    const deployment = await api.readDeployment(REF);
    expect(deployment).toMatchObject({ replicas: 1, selector: SELECTOR, paused: false });
    const pods = await api.listPods(REF.namespace, deployment.selector);
    expect(pods.map((p) => p.name).sort()).toEqual(
      emu
        .listPods(REF.namespace, SELECTOR)
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
      const timeout = await kubeFailure(() => api.readScale(REF));
      expect(timeout).toMatchObject({ reason: 'Timeout', permanent: false });
      expect(timeout.message).toBe(
        `read scale of ${REF.namespace}/${REF.deployment}: no answer within 200 ms`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
