/**
 * The emulator through the real @kubernetes/client-node 1.4 over HTTPS with the emulator's CA:
 * the scale subresource (read, replace with and without a stale resourceVersion, the three patch
 * types), pods (labelSelector lists, annotation patches), the failures as ApiException with the
 * Status body, and pods coming up on virtual time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Scale,
} from '@kubernetes/client-node';
import { ManualClock } from '../../../../shared/clock.js';
import { KubeEmulator } from '../../../../emulator/kube/index.js';

const START = Date.parse('2025-06-01T08:00:00Z');
const NS = 'tf-serving';
const NAME = 'image-classifier-resnet101';
const SCALER = 'prescaler@acme.iam.gserviceaccount.com';

interface Status {
  kind: string;
  status: string;
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

/** Runs a call expected to fail and returns the ApiException's code and parsed Status body. */
async function failure(call: () => Promise<unknown>): Promise<{ code: number; status: Status }> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    return { code: error.code, status: JSON.parse(error.body as string) as Status };
  }
  throw new Error('the call succeeded');
}

/** A client configured from cluster and user objects, the CA as base64 (as GKE returns it). */
function configFor(emu: KubeEmulator, user: string, token: string | undefined): KubeConfig {
  const config = new KubeConfig();
  config.loadFromClusterAndUser(
    {
      name: 'emu',
      server: emu.url,
      caData: Buffer.from(emu.caPem ?? '').toString('base64'),
      skipTLSVerify: false,
    },
    { name: user, token },
  );
  return config;
}

describe('emulator with @kubernetes/client-node', () => {
  const clock = new ManualClock(START);
  let emu: KubeEmulator;
  let dir: string;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let scalerApps: AppsV1Api;
  let scalerCore: CoreV1Api;

  beforeAll(async () => {
    emu = await KubeEmulator.start({ clock });
    await emu.loadManifests(join(process.cwd(), 'emulator/kube/manifests'));
    emu.addUser(SCALER, [
      {
        apiGroups: ['apps'],
        resources: ['deployments/scale'],
        verbs: ['get', 'update', 'patch'],
        namespaces: [NS],
      },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'patch'], namespaces: [NS] },
    ]);
    dir = await mkdtemp(join(tmpdir(), 'kube-emulator-'));
    const file = join(dir, 'kubeconfig');
    await emu.writeKubeconfig(file);
    const admin = new KubeConfig();
    admin.loadFromFile(file);
    apps = admin.makeApiClient(AppsV1Api);
    core = admin.makeApiClient(CoreV1Api);
    // The other way to configure: cluster and user objects.
    const scaler = configFor(emu, SCALER, emu.tokenOf(SCALER));
    scalerApps = scaler.makeApiClient(AppsV1Api);
    scalerCore = scaler.makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the scale subresource of a manifest Deployment', async () => {
    const scale = await apps.readNamespacedDeploymentScale({ name: NAME, namespace: NS });
    expect(scale.kind).toBe('Scale');
    expect(scale.apiVersion).toBe('autoscaling/v1');
    expect(scale.metadata?.name).toBe(NAME);
    expect(scale.metadata?.uid).toBe(emu.getDeployment(NS, NAME)?.metadata.uid);
    expect(scale.spec?.replicas).toBe(1);
    expect(scale.status?.selector).toBe('app=image-classifier,version=resnet101');
  });

  it('replaces the scale with the current resourceVersion, and refuses a stale one with 409', async () => {
    const before = await apps.readNamespacedDeploymentScale({ name: NAME, namespace: NS });
    const generation = emu.getDeployment(NS, NAME)?.metadata.generation ?? 0;
    const body: V1Scale = { ...before, spec: { replicas: 2 } };
    const after = await apps.replaceNamespacedDeploymentScale({ name: NAME, namespace: NS, body });
    expect(after.spec?.replicas).toBe(2);
    expect(Number(after.metadata?.resourceVersion)).toBeGreaterThan(Number(before.metadata?.resourceVersion));
    expect(emu.getDeployment(NS, NAME)?.metadata.generation).toBe(generation + 1);

    const stale = await failure(() =>
      apps.replaceNamespacedDeploymentScale({
        name: NAME,
        namespace: NS,
        body: { ...before, spec: { replicas: 7 } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Operation cannot be fulfilled on deployments.apps "${NAME}": the object has been modified; please apply your changes to the latest version and try again`,
      reason: 'Conflict',
      details: { name: NAME, group: 'apps', kind: 'deployments' },
      code: 409,
    });
    expect(emu.getDeployment(NS, NAME)?.spec.replicas).toBe(2);

    // An empty resourceVersion is unconditional.
    const unconditional = await apps.replaceNamespacedDeploymentScale({
      name: NAME,
      namespace: NS,
      body: { ...before, metadata: { ...before.metadata, resourceVersion: '' }, spec: { replicas: 1 } },
    });
    expect(unconditional.spec?.replicas).toBe(1);
  });

  it('patches the scale as JSON Patch (the client default), merge patch and strategic merge patch', async () => {
    const json = await apps.patchNamespacedDeploymentScale({
      name: NAME,
      namespace: NS,
      body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    });
    expect(json.spec?.replicas).toBe(3);
    const merge = await apps.patchNamespacedDeploymentScale(
      { name: NAME, namespace: NS, body: { spec: { replicas: 4 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merge.spec?.replicas).toBe(4);
    const strategic = await apps.patchNamespacedDeploymentScale(
      { name: NAME, namespace: NS, body: { spec: { replicas: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.spec?.replicas).toBe(2);
    expect(emu.getDeployment(NS, NAME)?.spec.replicas).toBe(2);
  });

  it('answers a merge-shaped body sent as JSON Patch with 400, as a real server does', async () => {
    const { code, status } = await failure(() =>
      apps.patchNamespacedDeploymentScale({ name: NAME, namespace: NS, body: { spec: { replicas: 9 } } }),
    );
    expect(code).toBe(400);
    expect(status.reason).toBe('BadRequest');
    expect(status.message).toContain('error decoding patch');
  });

  it('keeps the resourceVersion when a write changes nothing', async () => {
    const before = await apps.readNamespacedDeploymentScale({ name: NAME, namespace: NS });
    const same = await apps.patchNamespacedDeploymentScale(
      { name: NAME, namespace: NS, body: { spec: { replicas: before.spec?.replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(same.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('refuses a stale resourceVersion in a merge patch with 409', async () => {
    const { code, status } = await failure(() =>
      apps.patchNamespacedDeploymentScale(
        { name: NAME, namespace: NS, body: { metadata: { resourceVersion: '1' }, spec: { replicas: 5 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(code).toBe(409);
    expect(status.reason).toBe('Conflict');
  });

  it('rejects negative replicas with 422 Invalid', async () => {
    const { code, status } = await failure(() =>
      apps.patchNamespacedDeploymentScale(
        { name: NAME, namespace: NS, body: { spec: { replicas: -1 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.message).toBe(
      `Scale.autoscaling "${NAME}" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
    );
  });

  it('answers an unknown Deployment with 404 NotFound naming the parent resource', async () => {
    const { code, status } = await failure(() =>
      apps.readNamespacedDeploymentScale({ name: 'nope', namespace: NS }),
    );
    expect(code).toBe(404);
    expect(status.reason).toBe('NotFound');
    expect(status.message).toBe('deployments.apps "nope" not found');
    expect(status.details).toEqual({ name: 'nope', group: 'apps', kind: 'deployments' });
  });

  it('answers a request outside the user rules with 403 Forbidden', async () => {
    const scale = await scalerApps.readNamespacedDeploymentScale({ name: NAME, namespace: NS });
    expect(scale.spec?.replicas).toBe(2);
    const elsewhere = await failure(() =>
      scalerApps.patchNamespacedDeploymentScale(
        { name: 'thumbnail-worker', namespace: 'workers', body: { spec: { replicas: 1 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(elsewhere.code).toBe(403);
    expect(elsewhere.status.reason).toBe('Forbidden');
    expect(elsewhere.status.message).toBe(
      `deployments.apps "thumbnail-worker" is forbidden: User "${SCALER}" cannot patch resource "deployments/scale" in API group "apps" in the namespace "workers"`,
    );
    const list = await failure(() => scalerApps.listNamespacedDeployment({ namespace: NS }));
    expect(list.status.message).toBe(
      `deployments.apps is forbidden: User "${SCALER}" cannot list resource "deployments" in API group "apps" in the namespace "${NS}"`,
    );
    const pod = await failure(() => scalerCore.readNamespacedPod({ name: 'any', namespace: NS }));
    expect(pod.status.message).toBe(
      `pods "any" is forbidden: User "${SCALER}" cannot get resource "pods" in API group "" in the namespace "${NS}"`,
    );
    expect(pod.status.details).toEqual({ name: 'any', kind: 'pods' });
  });

  it('answers an unknown token with 401 Unauthorized', async () => {
    const config = configFor(emu, 'mallory', 'not-a-token');
    // client-node drops the body of a 401 (its generated code passes `undefined`).
    await expect(
      config.makeApiClient(AppsV1Api).readNamespacedDeploymentScale({ name: NAME, namespace: NS }),
    ).rejects.toMatchObject({ code: 401 });
  });

  it('brings pods up on virtual time: Pending, scheduled, Running, then Ready after the startup delay', async () => {
    clock.advance(60_000); // let every earlier change settle
    await emu.tick();
    const detector = 'object-detector-fasterrcnn'; // startup-seconds 20 in its manifest
    const before = await core.listNamespacedPod({
      namespace: 'torchserve',
      labelSelector: 'app=object-detector',
    });
    const old = new Set(before.items.map((p) => p.metadata?.name));
    expect(old.size).toBe(2);
    const t0 = clock.now();
    await apps.patchNamespacedDeploymentScale(
      { name: detector, namespace: 'torchserve', body: { spec: { replicas: 4 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const fresh = async () =>
      (
        await core.listNamespacedPod({ namespace: 'torchserve', labelSelector: 'app=object-detector' })
      ).items.filter((p) => !old.has(p.metadata?.name));
    const created = await fresh();
    expect(created).toHaveLength(2);
    for (const pod of created) {
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.spec?.nodeName).toBeUndefined();
      expect(pod.metadata?.name).toMatch(/^object-detector-fasterrcnn-[a-z0-9]+-[a-z0-9]{5}$/);
      expect(pod.metadata?.labels).toMatchObject({ app: 'object-detector', model: 'fasterrcnn' });
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        controller: true,
      });
    }

    clock.advance(1_000); // scheduled after min(1 s, startup/5)
    for (const pod of await fresh()) {
      expect(pod.status?.phase).toBe('Pending');
      expect(emu.nodes).toContain(pod.spec?.nodeName);
      expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    }

    clock.advance(2_000); // containers started after min(3 s, 2·startup/5); the model still loading
    for (const pod of await fresh()) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    }
    expect(emu.getDeployment('torchserve', detector)?.status).toMatchObject({
      replicas: 4,
      readyReplicas: 2,
    });

    clock.advance(16_999);
    expect(
      (await fresh()).some((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ),
    ).toBe(false);
    clock.advance(1); // 20 s after creation
    await emu.tick();
    for (const pod of await fresh()) {
      const condition = pod.status?.conditions?.find((c) => c.type === 'Ready');
      expect(condition?.status).toBe('True');
      expect(condition?.lastTransitionTime?.getTime()).toBe(t0 + 20_000);
      expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    }
    const d = await apps.readNamespacedDeployment({ name: detector, namespace: 'torchserve' });
    expect(d.status).toMatchObject({
      replicas: 4,
      readyReplicas: 4,
      availableReplicas: 4,
      updatedReplicas: 4,
    });
    expect(d.status?.observedGeneration).toBe(d.metadata?.generation);
  });

  it('lists pods with set-based selectors and across namespaces', async () => {
    const inNs = await core.listNamespacedPod({ namespace: NS });
    expect(inNs.items.length).toBeGreaterThan(0);
    const notin = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app notin (other),!canary' });
    expect(notin.items).toHaveLength(inNs.items.length);
    const none = await core.listNamespacedPod({ namespace: NS, labelSelector: 'version in (resnet50)' });
    expect(none.items).toHaveLength(0);
    const all = await core.listPodForAllNamespaces({
      labelSelector: 'app in (image-classifier, thumbnail-worker)',
    });
    expect(new Set(all.items.map((p) => p.metadata?.namespace))).toEqual(new Set([NS, 'workers']));
    const bad = await failure(() => core.listNamespacedPod({ namespace: NS, labelSelector: 'app in x' }));
    expect(bad.code).toBe(400);
  });

  it('patches pod annotations (merge patch), removes them with null, keeps the version on a no-op', async () => {
    const [pod] = (await scalerCore.listNamespacedPod({ namespace: NS })).items;
    const name = pod?.metadata?.name ?? '';
    const template = { ...pod?.metadata?.annotations };
    expect(template).toMatchObject({ 'prometheus.io/scrape': 'true' }); // from the pod template
    const cost = 'controller.kubernetes.io/pod-deletion-cost';
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const annotated = await scalerCore.patchNamespacedPod(
      { name, namespace: NS, body: { metadata: { annotations: { [cost]: '-5' } } } },
      merge,
    );
    expect(annotated.metadata?.annotations).toEqual({ ...template, [cost]: '-5' });
    expect(Number(annotated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(pod?.metadata?.resourceVersion),
    );
    const again = await scalerCore.patchNamespacedPod(
      { name, namespace: NS, body: { metadata: { annotations: { [cost]: '-5' } } } },
      merge,
    );
    expect(again.metadata?.resourceVersion).toBe(annotated.metadata?.resourceVersion);
    const cleared = await scalerCore.patchNamespacedPod(
      { name, namespace: NS, body: { metadata: { annotations: { [cost]: null } } } },
      merge,
    );
    expect(cleared.metadata?.annotations).toEqual(template);
    const viaJsonPatch = await scalerCore.patchNamespacedPod({
      name,
      namespace: NS,
      body: [{ op: 'add', path: `/metadata/annotations/${cost.replace('/', '~1')}`, value: '3' }],
    });
    expect(viaJsonPatch.metadata?.annotations?.[cost]).toBe('3');
    const specChange = await failure(() =>
      scalerCore.patchNamespacedPod(
        { name, namespace: NS, body: { spec: { nodeName: 'elsewhere' } } },
        merge,
      ),
    );
    expect(specChange.code).toBe(422);
    expect(specChange.status.message).toMatch(
      /^Pod ".*" is invalid: spec: Forbidden: pod updates may not change/,
    );
  });

  it('removes the lowest-cost ready pod first on scale-in and records it', async () => {
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await apps.patchNamespacedDeploymentScale(
      { name: NAME, namespace: NS, body: { spec: { replicas: 4 } } },
      merge,
    );
    clock.advance(31_000);
    await emu.tick();
    const pods = (await core.listNamespacedPod({ namespace: NS })).items;
    expect(pods).toHaveLength(4);
    const cheapest = pods[2]?.metadata?.name ?? '';
    for (const [i, pod] of pods.entries()) {
      const cost = String(i === 2 ? -10 : 10 * i);
      await core.patchNamespacedPod(
        {
          name: pod.metadata?.name ?? '',
          namespace: NS,
          body: { metadata: { annotations: { 'controller.kubernetes.io/pod-deletion-cost': cost } } },
        },
        merge,
      );
    }
    const seen = emu.removedPods.length;
    await apps.patchNamespacedDeploymentScale(
      { name: NAME, namespace: NS, body: { spec: { replicas: 3 } } },
      merge,
    );
    await emu.tick();
    expect(emu.removedPods.slice(seen)).toEqual([
      {
        namespace: NS,
        name: cheapest,
        deployment: NAME,
        replicaSet: emu.listReplicaSets(NS).find((rs) => rs.metadata.name.startsWith(`${NAME}-`))?.metadata
          .name,
        cause: 'scale',
        removedAt: clock.now(),
        busy: undefined,
        phase: 'Running',
        ready: true,
        deletionCost: -10,
      },
    ]);
    const terminating = await core.readNamespacedPod({ name: cheapest, namespace: NS });
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    expect(emu.getDeployment(NS, NAME)?.status.replicas).toBe(3);
    clock.advance(9_999); // the manifest's termination-grace-seconds is 10
    expect((await core.readNamespacedPod({ name: cheapest, namespace: NS })).metadata?.name).toBe(cheapest);
    clock.advance(1);
    const gone = await failure(() => core.readNamespacedPod({ name: cheapest, namespace: NS }));
    expect(gone.code).toBe(404);
    expect(gone.status.message).toBe(`pods "${cheapest}" not found`);
  });
});
