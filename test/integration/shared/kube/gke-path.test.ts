/**
 * The production GKE path of ClusterAccess, end to end on loopback: @google-cloud/container in
 * REST fallback mode asks a fake container API for the cluster (endpoint and CA), a
 * google-auth-library OAuth2Client supplies the bearer token to both that call and the
 * Kubernetes client, and @kubernetes/client-node talks HTTPS to the Kubernetes API emulator,
 * verifying its certificate against the CA the fake handed out. The emulator's user for that
 * token has exactly the functions' Role in one namespace.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { ManualClock } from '../../../../shared/clock.js';
import type { GkeCluster } from '../../../../shared/config/registry.js';
import {
  ClusterAccess,
  GoogleTokenSource,
  type ClusterAccessOptions,
} from '../../../../shared/kube/cluster.js';
import { scaleUpTo, type ScaleRef } from '../../../../shared/kube/scale-api.js';
import { KubeEmulator, type Rule } from '../../../../emulator/kube/index.js';
import { createCertificates } from '../../../../emulator/kube/tls.js';
import { FakeContainerApi } from '../../../support/fake-container-api.js';
import { kubeFailure } from '../../../support/kube-failure.js';
import { roleRules } from '../../../../shared/kube/rbac-rules.js';

const NS = 'tf-serving';
const REF: ScaleRef = { namespace: NS, deployment: 'image-classifier-resnet101' };
const ELSEWHERE: ScaleRef = { namespace: 'workers', deployment: 'thumbnail-worker' };
const SCALER = 'prescaler-fn@my-project.iam.gserviceaccount.com';
const CLUSTER: GkeCluster = { project: 'my-project', location: 'europe-west1', name: 'ml' };
const CLUSTER_NAME = 'projects/my-project/locations/europe-west1/clusters/ml';
/** The same endpoint, but the container API hands out a CA that did not sign its certificate. */
const OTHER_CA: GkeCluster = { project: 'my-project', location: 'europe-west1', name: 'ml-other-ca' };
const HOUR = 60 * 60_000;
const MINUTE = 60_000;

/** The reconcile function's Role (shared/kube/rbac-rules.ts), bound in the target namespace only. */
const FUNCTION_ROLE: Rule[] = roleRules('reconcile', [REF.deployment]).map((r) => ({
  ...r,
  namespaces: [NS],
}));

type ContainerAuthClient = NonNullable<ClusterAccessOptions['containerOptions']>['authClient'];

function newToken(): string {
  return `ya29.${randomBytes(24).toString('base64url')}`;
}

describe('ClusterAccess on the GKE path (container REST fake, OAuth2Client, emulator over TLS)', () => {
  let emu: KubeEmulator;
  let container: FakeContainerApi;

  beforeAll(async () => {
    emu = await KubeEmulator.start({ port: 0, tls: true, clock: new ManualClock(Date.now()) });
    for (const file of ['tf-serving-resnet101.yaml', 'celery-worker.yaml'])
      emu.applyManifest(await readFile(join(process.cwd(), 'emulator/kube/manifests', file), 'utf8'), file);
    emu.addUser(SCALER, FUNCTION_ROLE);
    container = await FakeContainerApi.start({
      [CLUSTER_NAME]: {
        endpoint: `127.0.0.1:${emu.port}`,
        clusterCaCertificate: Buffer.from(emu.caPem ?? '').toString('base64'),
      },
      'projects/my-project/locations/europe-west1/clusters/ml-other-ca': {
        endpoint: `127.0.0.1:${emu.port}`,
        clusterCaCertificate: Buffer.from(createCertificates(Date.now()).caPem).toString('base64'),
      },
    });
  });

  afterAll(async () => {
    await container?.stop();
    await emu?.stop();
  });

  beforeEach(() => emu.scale(NS, REF.deployment, 1));

  /**
   * A function instance: an OAuth2Client holding a fresh access token (valid for an hour) that the
   * emulator knows as the scaler's, used by ClusterManagerClient and, through GoogleTokenSource,
   * by ClusterAccess.
   */
  function instance() {
    const clock = new ManualClock(Date.now());
    const token = newToken();
    emu.addUser(SCALER, [], token);
    const client = new OAuth2Client();
    client.setCredentials({ access_token: token, expiry_date: clock.now() + HOUR });
    const access = new ClusterAccess({
      clock,
      tokens: new GoogleTokenSource(() => Promise.resolve(client), clock),
      containerOptions: {
        fallback: true,
        apiEndpoint: '127.0.0.1',
        port: container.port,
        protocol: 'http',
        // google-gax resolves its own copy of google-auth-library, so the types differ nominally.
        authClient: client as unknown as ContainerAuthClient,
      },
    });
    return { clock, token, client, access };
  }

  it('finds the cluster with the bearer token and reads the scale over verified TLS', async () => {
    const { token, access } = instance();
    const before = container.getClusterCalls(CLUSTER_NAME).length;

    const api = await access.apiFor(CLUSTER);
    const scale = await api.readScale(REF);

    const calls = container.getClusterCalls(CLUSTER_NAME);
    expect(calls).toHaveLength(before + 1);
    expect(calls.at(-1)?.authorization).toBe(`Bearer ${token}`);
    expect(scale.replicas).toBe(1);
    expect(scale.selector).toBe('app=image-classifier,version=resnet101');
    expect(scale.resourceVersion).toMatch(/^\d+$/);
    console.log(
      `getCluster ${calls.at(-1)?.path} with ${calls.at(-1)?.authorization?.slice(0, 12)}…; ` +
        `scale of ${REF.namespace}/${REF.deployment}: ${JSON.stringify(scale)}`,
    );
  });

  it('verifies the server certificate against the CA the container API gave', async () => {
    const api = await instance().access.apiFor(OTHER_CA);

    const error = await kubeFailure(() => api.readScale(REF));
    expect(error).toMatchObject({ status: undefined, reason: 'Unreachable', permanent: false });
    expect(error.message).toMatch(/certificate/i);
    console.log(`CA that did not sign the server: ${error.code} ${error.message}`);
  });

  it('scaleUpTo raises replicas in the cluster, and never lowers them', async () => {
    const api = await instance().access.apiFor(CLUSTER);

    const raised = await scaleUpTo(api, REF, 3);
    expect(raised).toEqual({ from: 1, to: 3, written: true, attempts: 1 });
    expect(emu.getDeployment(NS, REF.deployment)?.spec.replicas).toBe(3);

    const kept = await scaleUpTo(api, REF, 2);
    expect(kept).toEqual({ from: 3, to: 3, written: false, attempts: 1 });
    expect(emu.getDeployment(NS, REF.deployment)?.spec.replicas).toBe(3);
  });

  it('the rest of the Role works: read the Deployment, list its pods, set a deletion cost', async () => {
    const api = await instance().access.apiFor(CLUSTER);

    const deployment = await api.readDeployment(REF);
    expect(deployment).toMatchObject({
      replicas: 1,
      paused: false,
      selector: 'app=image-classifier,version=resnet101',
    });
    const pods = await api.listPods(NS, deployment.selector);
    expect(pods.map((p) => p.name)).toEqual(
      emu.listPods(NS, deployment.selector).map((p) => p.metadata.name),
    );
    const pod = pods[0]?.name;
    if (pod === undefined) throw new Error('the Deployment has no pods');

    await api.annotatePod(NS, pod, { 'controller.kubernetes.io/pod-deletion-cost': '-5' });
    const annotated = emu.listPods(NS, deployment.selector).find((p) => p.metadata.name === pod);
    expect(annotated?.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost']).toBe('-5');
  });

  it('a Deployment outside the Role is a permanent 403, and is left alone', async () => {
    const api = await instance().access.apiFor(CLUSTER);
    const before = emu.getDeployment(ELSEWHERE.namespace, ELSEWHERE.deployment)?.spec.replicas;

    const read = await kubeFailure(() => api.readScale(ELSEWHERE));
    expect(read).toMatchObject({ status: 403, reason: 'Forbidden', kind: 'permanent', permanent: true });
    expect(read.message).toContain('workers/thumbnail-worker');

    const write = await kubeFailure(() => api.writeScale(ELSEWHERE, 10, '1'));
    expect(write).toMatchObject({ status: 403, permanent: true });
    expect(before).toBe(3);
    expect(emu.getDeployment(ELSEWHERE.namespace, ELSEWHERE.deployment)?.spec.replicas).toBe(before);
    console.log(`outside the Role: ${read.code} ${read.message}`);
  });

  it('a cluster the container API does not know is a permanent 404, not cached', async () => {
    const { access } = instance();
    const gone: GkeCluster = { project: 'my-project', location: 'europe-west1', name: 'gone' };
    const goneName = 'projects/my-project/locations/europe-west1/clusters/gone';

    const error = await kubeFailure(() => access.apiFor(gone));
    expect(error).toMatchObject({
      status: 404,
      reason: 'NotFound',
      kind: 'permanent',
      code: 'kube_notfound',
    });
    expect(error.message).toContain(goneName);
    expect(container.getClusterCalls(goneName)).toHaveLength(1);

    // A failure is not remembered: the next call asks again.
    await expect(access.apiFor(gone)).rejects.toMatchObject({ status: 404 });
    expect(container.getClusterCalls(goneName)).toHaveLength(2);
    console.log(`unknown cluster: ${error.code} ${error.message}`);
  });

  it('caches the cluster and token until five minutes before expiry, then fetches both again', async () => {
    const { clock, token, client, access } = instance();
    const calls = () => container.getClusterCalls(CLUSTER_NAME);
    const start = calls().length;
    const t0 = clock.now();

    // Concurrent first calls share one getCluster.
    const [api, ...others] = await Promise.all([1, 2, 3, 4].map(() => access.apiFor(CLUSTER)));
    if (api === undefined) throw new Error('no api');
    expect(calls()).toHaveLength(start + 1);
    for (const other of others) expect(other).toBe(api);

    // Within the token's lifetime (less five minutes) the same client comes back.
    clock.advance(54 * MINUTE);
    expect(await access.apiFor(CLUSTER)).toBe(api);
    expect(calls()).toHaveLength(start + 1);
    expect((await api.readScale(REF)).replicas).toBe(1);

    // The token is rotated; the emulator only accepts the new one from now on.
    const refreshed = newToken();
    client.setCredentials({ access_token: refreshed, expiry_date: clock.now() + HOUR });
    emu.addUser(SCALER, [], refreshed);
    clock.advance(1 * MINUTE + 1);

    const renewed = await access.apiFor(CLUSTER);
    expect(renewed).not.toBe(api);
    expect(calls()).toHaveLength(start + 2);
    expect(calls().at(-1)?.authorization).toBe(`Bearer ${refreshed}`);
    expect(refreshed).not.toBe(token);
    expect(await scaleUpTo(renewed, REF, 2)).toMatchObject({ to: 2, written: true });
    expect(emu.getDeployment(NS, REF.deployment)?.spec.replicas).toBe(2);

    // The old client still holds the old token, which the cluster no longer accepts.
    const stale = await kubeFailure(() => api.readScale(REF));
    expect(stale).toMatchObject({ status: 401, permanent: false });

    // And the renewed one is cached in its turn.
    expect(await access.apiFor(CLUSTER)).toBe(renewed);
    expect(calls()).toHaveLength(start + 2);
    console.log(
      `getCluster calls: ${calls().length - start} over ${Math.round((clock.now() - t0) / MINUTE)} min; ` +
        `stale token: ${stale.code}`,
    );
  });
});
