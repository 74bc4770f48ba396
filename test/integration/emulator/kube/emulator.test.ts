/**
 * The emulator's programmatic API and the HTTP details that clients other than kubectl and
 * client-node rely on: the busy hook and its records, manifests (validation, re-apply), wall-time
 * ticking, raw discovery, Tables, pagination, watches, pod and Deployment deletion, 405/415.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../../../../shared/clock.js';
import { KubeEmulator, ManifestError, type Pod, type RemovedPod } from '../../../../emulator/kube/index.js';
import { jobsDeployment } from '../../../support/jobs-deployment.js';

const START = Date.parse('2025-06-01T08:00:00Z');

const manifest = (name: string, replicas: number, extra = ''): string =>
  jobsDeployment(name, { replicas, extra });

describe('busy hook', () => {
  const clock = new ManualClock(START);
  const busy = new Set<string>();
  const probed: string[] = [];
  let emu: KubeEmulator;

  beforeAll(async () => {
    emu = await KubeEmulator.start({
      clock,
      tls: false,
      busyProbe: async (pod: Pod) => {
        probed.push(pod.metadata.name);
        await sleep(5);
        if (pod.metadata.annotations?.explode === 'yes') throw new Error('probe failed');
        return busy.has(pod.metadata.name);
      },
    });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('asks the probe about each pod the ReplicaSet picks and records the answer', async () => {
    emu.applyManifest(manifest('hooked', 4));
    clock.advance(2_000);
    await emu.tick();
    const pods = emu.listPods('jobs', 'app=hooked');
    expect(pods.filter((p) => p.status.phase === 'Running')).toHaveLength(4);
    // Costs decide the order: 0, 1, 2, 3; the first two picked are busy, the third's probe fails.
    const names = pods.map((p) => p.metadata.name);
    emu.scale('jobs', 'hooked', 4); // no-op
    for (const [i, name] of names.entries()) {
      const response = await fetch(`${emu.url}/api/v1/namespaces/jobs/pods/${name}`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${emu.adminToken}`,
          'content-type': 'application/merge-patch+json',
        },
        body: JSON.stringify({
          metadata: {
            annotations: {
              'controller.kubernetes.io/pod-deletion-cost': String(i),
              ...(i === 2 ? { explode: 'yes' } : {}),
            },
          },
        }),
      });
      expect(response.status).toBe(200);
    }
    busy.add(names[0] as string);
    busy.add(names[1] as string);
    const events: RemovedPod[] = [];
    emu.events.on('podRemoved', (record) => events.push(record));
    emu.scale('jobs', 'hooked', 1);
    await emu.tick();
    const common = {
      namespace: 'jobs',
      deployment: 'hooked',
      replicaSet: emu.listReplicaSets('jobs').find((rs) => rs.metadata.name.startsWith('hooked-'))?.metadata
        .name,
      cause: 'scale',
      removedAt: clock.now(),
      phase: 'Running',
      ready: true,
    };
    expect(emu.removedPods).toEqual([
      { ...common, name: names[0], busy: true, deletionCost: 0 },
      { ...common, name: names[1], busy: true, deletionCost: 1 },
      { ...common, name: names[2], busy: undefined, deletionCost: 2, probeError: 'probe failed' },
    ]);
    expect(events).toEqual(emu.removedPods);
    expect(probed).toEqual(names.slice(0, 3));
    // Picked pods stop counting at once, and go after their grace period.
    expect(emu.getDeployment('jobs', 'hooked')?.status.replicas).toBe(1);
    expect(emu.listPods('jobs', 'app=hooked')).toHaveLength(4);
    clock.advance(1_000);
    expect(emu.listPods('jobs', 'app=hooked').map((p) => p.metadata.name)).toEqual([names[3]]);
  });
});

describe('manifests', () => {
  const clock = new ManualClock(START);
  let emu: KubeEmulator;

  beforeAll(async () => {
    emu = await KubeEmulator.start({ clock, tls: false });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('applies multi-document YAML, reports kinds it does not serve, and updates on re-apply', async () => {
    const applied = emu.applyManifest(
      `${manifest('a', 2)}---\napiVersion: v1\nkind: Service\nmetadata: { name: a, namespace: jobs }\n---\n${manifest('b', 1)}`,
    );
    expect(applied).toEqual({
      deployments: ['jobs/a', 'jobs/b'],
      namespaces: [],
      policies: [],
      skipped: ['Service/a'],
    });
    await emu.tick();
    const first = emu.getDeployment('jobs', 'a');
    expect(first?.metadata.generation).toBe(1);
    expect(first?.spec.template.spec.terminationGracePeriodSeconds).toBe(30); // API-server default
    emu.applyManifest(manifest('a', 2));
    expect(emu.getDeployment('jobs', 'a')?.metadata.resourceVersion).toBe(first?.metadata.resourceVersion);
    emu.applyManifest(manifest('a', 3));
    expect(emu.getDeployment('jobs', 'a')).toMatchObject({
      metadata: { generation: 2 },
      spec: { replicas: 3 },
    });
    expect(emu.listPods('jobs', 'app=a')).toHaveLength(3);
  });

  it.each([
    [
      'a selector that does not match the template',
      manifest('x', 1).replace('matchLabels: { app: x }', 'matchLabels: { app: y }'),
      /`selector` does not match template `labels`/,
    ],
    [
      'negative replicas',
      manifest('x', -1),
      /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/,
    ],
    [
      'a container without an image',
      manifest('x', 1).replace('image: "ghcr.io/acme/worker:1.0"', 'ports: []'),
      /spec\.template\.spec\.containers\[0\]\.image: Required value/,
    ],
    [
      'replicas that are not a number',
      manifest('x', 1).replace('replicas: 1', 'replicas: two'),
      /cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/,
    ],
    ['an invalid name', manifest('X_1', 1), /metadata\.name: Invalid value: "X_1"/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => emu.applyManifest(text, 'bad.yaml')).toThrow(ManifestError);
    expect(() => emu.applyManifest(text, 'bad.yaml')).toThrow(message);
  });
});

describe('credentials over HTTPS', () => {
  it('answers a request without a token with 401, except /version', async () => {
    const emu = await KubeEmulator.start({ clock: new ManualClock(START) });
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        https
          .get(`${emu.url}${path}`, { ca: emu.caPem }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
    try {
      expect(await status('/api/v1/pods')).toBe(401);
      expect(await status('/api')).toBe(401);
      expect(await status('/version')).toBe(200);
    } finally {
      await emu.stop();
    }
  });
});

describe('wall time', () => {
  let emu: KubeEmulator | undefined;
  afterEach(async () => {
    await emu?.stop();
  });

  it('runs the cluster on the system clock without anyone calling tick()', async () => {
    emu = await KubeEmulator.start({ tls: false, tickMs: 50 });
    emu.applyManifest(manifest('live', 3).replace('startup-seconds: "2"', 'startup-seconds: "0.3"'));
    const started = performance.now();
    const records: RemovedPod[] = [];
    emu.events.on('podRemoved', (r) => records.push(r));
    while (emu.getDeployment('jobs', 'live')?.status.readyReplicas !== 3) {
      expect(performance.now() - started).toBeLessThan(3_000);
      await sleep(20);
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    emu.scale('jobs', 'live', 2);
    while (records.length === 0) {
      expect(performance.now() - started).toBeLessThan(3_000);
      await sleep(20);
    }
    expect(records[0]).toMatchObject({ deployment: 'live', ready: true, busy: undefined });
  });
});

interface ListBody {
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: Pod[];
}
interface ResourceList {
  resources: { name: string; shortNames?: string[]; group?: string; version?: string; kind: string }[];
}
interface TableBody {
  kind: string;
  rows: { cells: unknown[]; object?: unknown }[];
}
interface StatusBody {
  kind: string;
  message: string;
  reason: string;
}

describe('HTTP details', () => {
  const clock = new ManualClock(START);
  let emu: KubeEmulator;
  let auth: Record<string, string>;
  /** GET a path as the admin; the caller names the JSON shape it expects. */
  const get = async <T = ListBody>(path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${emu.url}${path}`, { headers: { ...auth, ...headers } });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as T,
    };
  };

  beforeAll(async () => {
    emu = await KubeEmulator.start({ clock, tls: false });
    auth = { authorization: `Bearer ${emu.adminToken}` };
    emu.applyManifest(manifest('web', 3));
    clock.advance(2_000);
    await emu.tick();
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('serves /version and discovery; a wrong token is refused', async () => {
    const version = await fetch(`${emu.url}/version?timeout=5s`);
    expect(version.status).toBe(200);
    expect(await version.json()).toMatchObject({ major: '1', minor: '32' });
    expect((await fetch(`${emu.url}/api`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    // Over plain HTTP kubectl sends no token: such requests act as the admin.
    expect((await fetch(`${emu.url}/api`)).status).toBe(200);
    const apps = await get<ResourceList>('/apis/apps/v1');
    expect(apps.type).toBe('application/json');
    expect(apps.body.resources).toContainEqual(
      expect.objectContaining({
        name: 'deployments',
        shortNames: ['deploy'],
        namespaced: true,
        kind: 'Deployment',
      }),
    );
    expect(apps.body.resources).toContainEqual(
      expect.objectContaining({
        name: 'deployments/scale',
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
      }),
    );
    const core = await get<ResourceList>('/api/v1');
    expect(core.body.resources.map((r) => r.shortNames)).toEqual([['ns'], ['po']]);
    expect(
      (await get<{ groups: { preferredVersion: unknown }[] }>('/apis')).body.groups[0]?.preferredVersion,
    ).toEqual({
      groupVersion: 'apps/v1',
      version: 'v1',
    });
    expect((await get<StatusBody>('/api/v1/namespaces/jobs')).body).toMatchObject({
      kind: 'Namespace',
      status: { phase: 'Active' },
    });
    expect((await get<StatusBody>('/api/v1/namespaces/none')).body.message).toBe(
      'namespaces "none" not found',
    );
    expect((await get('/apis/batch/v1/jobs')).status).toBe(404);
  });

  it('answers Tables, metadata-only lists and pages', async () => {
    const accept =
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const t = await get<TableBody>('/api/v1/namespaces/jobs/pods?limit=500', { accept });
    expect(t.body.kind).toBe('Table');
    expect(t.body.rows).toHaveLength(3);
    expect(t.body.rows[0]?.object).toMatchObject({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
    });
    const none = await get<TableBody>('/api/v1/namespaces/jobs/pods?includeObject=None', { accept });
    expect(none.body.rows[0]).not.toHaveProperty('object');
    const meta = await get('/apis/apps/v1/deployments', {
      accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
    });
    expect(meta.body).toMatchObject({
      kind: 'PartialObjectMetadataList',
      items: [{ metadata: { name: 'web' } }],
    });
    const page1 = await get('/api/v1/namespaces/jobs/pods?limit=2');
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items[0]).not.toHaveProperty('kind'); // list items carry no kind, as on a real server
    expect(page1.body.metadata.remainingItemCount).toBe(1);
    const page2 = await get(
      `/api/v1/namespaces/jobs/pods?limit=2&continue=${page1.body.metadata.continue ?? ''}`,
    );
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.metadata).not.toHaveProperty('continue');
    const names = [...page1.body.items, ...page2.body.items].map((p) => p.metadata.name);
    expect(names).toEqual(emu.listPods('jobs').map((p) => p.metadata.name));
    const running = await get('/api/v1/pods?fieldSelector=status.phase%3DRunning,metadata.namespace%3Djobs');
    expect(running.body.items).toHaveLength(3);
    expect((await get('/api/v1/pods?fieldSelector=spec.bogus%3Dx')).status).toBe(400);
  });

  it('streams watch events: the current objects, then changes; or the changes since a version', async () => {
    const controller = new AbortController();
    const list = await get('/api/v1/namespaces/jobs/pods');
    const since = list.body.metadata.resourceVersion;
    const victim = list.body.items[0]?.metadata.name ?? '';
    const annotate = await fetch(`${emu.url}/api/v1/namespaces/jobs/pods/${victim}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/merge-patch+json' },
      body: '{"metadata":{"annotations":{"seen":"yes"}}}',
    });
    expect(annotate.status).toBe(200);
    const response = await fetch(
      `${emu.url}/api/v1/namespaces/jobs/pods?watch=true&resourceVersion=${since}`,
      {
        headers: auth,
        signal: controller.signal,
      },
    );
    const body = response.body;
    if (body === null) throw new Error('no body');
    const reader = body.getReader();
    const events: { type: string; object: Pod }[] = [];
    let buffer = '';
    const read = async (count: number) => {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += Buffer.from(value).toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) if (line) events.push(JSON.parse(line) as { type: string; object: Pod });
      }
    };
    await read(1);
    expect(events[0]).toMatchObject({
      type: 'MODIFIED',
      object: { metadata: { name: victim, annotations: { seen: 'yes' } } },
    });
    emu.scale('jobs', 'web', 4);
    await emu.tick();
    await read(2);
    expect(events[1]).toMatchObject({ type: 'ADDED', object: { status: { phase: 'Pending' } } });
    controller.abort();
    const all = await fetch(`${emu.url}/api/v1/namespaces/jobs/pods?watch=1&timeoutSeconds=1`, {
      headers: auth,
    });
    const lines = (await all.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type)).toEqual(['ADDED', 'ADDED', 'ADDED', 'ADDED']);
  });

  it('selects a watch as it selects a list: bad selectors are 400s, field selectors filter', async () => {
    for (const query of ['labelSelector=app%20in%20(', 'fieldSelector=spec.bogus%3Dx']) {
      const listed = await fetch(`${emu.url}/api/v1/namespaces/jobs/pods?${query}`, { headers: auth });
      const watched = await fetch(`${emu.url}/api/v1/namespaces/jobs/pods?watch=1&${query}`, {
        headers: auth,
      });
      expect(watched.status).toBe(400);
      expect(listed.status).toBe(400);
      expect(await watched.json()).toEqual(await listed.json());
    }
    const pods = emu.listPods('jobs');
    const pending = pods.filter((p) => p.status.phase === 'Pending').map((p) => p.metadata.name);
    const running = pods.filter((p) => p.status.phase === 'Running').map((p) => p.metadata.name);
    expect(running.length).toBeGreaterThan(0);
    const watched = await fetch(
      `${emu.url}/api/v1/namespaces/jobs/pods?watch=1&timeoutSeconds=1&fieldSelector=status.phase%3DRunning`,
      { headers: auth },
    );
    const objects = (await watched.text())
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { object: Pod }).object.metadata.name);
    expect(objects.sort()).toEqual(running.sort());
    for (const name of pending) expect(objects).not.toContain(name);
  });

  it('deletes a pod gracefully (the ReplicaSet replaces it) and a Deployment with its pods', async () => {
    const before = emu.listPods('jobs', 'app=web');
    const victim = before[0]?.metadata.name ?? '';
    const deleted = await fetch(`${emu.url}/api/v1/namespaces/jobs/pods/${victim}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as Pod).metadata.deletionTimestamp).toBeDefined();
    await emu.tick();
    const after = emu.listPods('jobs', 'app=web');
    expect(after).toHaveLength(before.length + 1);
    clock.advance(1_000);
    expect(emu.listPods('jobs', 'app=web').map((p) => p.metadata.name)).not.toContain(victim);
    const gone = await fetch(`${emu.url}/apis/apps/v1/namespaces/jobs/deployments/web`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(await gone.json()).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'web', kind: 'deployments' },
    });
    expect(emu.getDeployment('jobs', 'web')).toBeUndefined();
    clock.advance(1_000);
    expect(emu.listPods('jobs', 'app=web')).toHaveLength(0);
  });

  it('answers 415 for an unknown patch type, 405 for a verb the resource lacks; apply needs a field manager', async () => {
    emu.applyManifest(manifest('other', 1));
    const patch = await fetch(`${emu.url}/apis/apps/v1/namespaces/jobs/deployments/other/scale`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'replicas=2',
    });
    expect(patch.status).toBe(415);
    expect(((await patch.json()) as { reason: string }).reason).toBe('UnsupportedMediaType');
    const post = await fetch(`${emu.url}/apis/apps/v1/namespaces/jobs/deployments/other/scale`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    expect(post.status).toBe(405);
    const apply = (query: string) =>
      fetch(`${emu.url}/apis/apps/v1/namespaces/jobs/deployments/other/scale${query}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/apply-patch+yaml' },
        body: 'spec:\n  replicas: 2\n',
      });
    const noManager = await apply('');
    expect(noManager.status).toBe(422);
    expect(((await noManager.json()) as StatusBody).message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    expect((await apply('?fieldManager=tests')).status).toBe(200);
    expect(emu.getDeployment('jobs', 'other')?.spec.replicas).toBe(2);
  });
});
