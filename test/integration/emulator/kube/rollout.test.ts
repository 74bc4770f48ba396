/**
 * Deployment rollouts in the emulator through the real kubectl and @kubernetes/client-node:
 * `kubectl set image` makes a new ReplicaSet, `kubectl rollout status` follows it to
 * `successfully rolled out` on virtual time, `kubectl get rs` shows both sets, `kubectl rollout
 * undo` goes back to the first set; client-node lists the ReplicaSets and watches the Deployment
 * through a rollout.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig, Watch, type V1Deployment } from '@kubernetes/client-node';
import { ManualClock } from '../../../../shared/clock.js';
import { KubeEmulator } from '../../../../emulator/kube/index.js';
import { rows, runKubectl, startKubectl } from './support/kubectl.js';

const START = Date.parse('2025-06-01T08:00:00Z');
const NS = 'web';

/** A Deployment of 4 replicas (25% surge and unavailability by default), as JSON (valid YAML). */
const manifest = (name: string): string =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: NS,
      annotations: {
        'emulator.prescaler.dev/startup-seconds': '5',
        'emulator.prescaler.dev/termination-grace-seconds': '2',
      },
    },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
      },
    },
  });

describe('Deployment rollouts with kubectl and client-node', () => {
  const clock = new ManualClock(START);
  let emu: KubeEmulator;
  let dir: string;
  let config: string;
  let apps: AppsV1Api;
  let kc: KubeConfig;

  const kubectl = (...args: string[]) => runKubectl(dir, [...args, '-n', NS], config);

  /** Moves the virtual clock in steps of a second, letting watches deliver in between. */
  async function settle(seconds: number): Promise<void> {
    for (let s = 0; s < seconds; s++) {
      clock.advance(1000);
      await emu.tick();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-emulator-rollout-'));
    emu = await KubeEmulator.start({ clock });
    emu.applyManifest(`${manifest('shop')}\n---\n${manifest('api')}`);
    config = join(dir, 'admin.kubeconfig');
    await emu.writeKubeconfig(config);
    kc = new KubeConfig();
    kc.loadFromFile(config);
    apps = kc.makeApiClient(AppsV1Api);
    await settle(10);
  });

  afterAll(async () => {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('set image, rollout status, get rs, rollout undo', async () => {
    const before = rows((await kubectl('get', 'rs', '-l', 'app=shop')).stdout);
    expect(before).toHaveLength(2);
    const first = before[1]?.[0] ?? '';

    const set = await kubectl('set', 'image', 'deployment/shop', 'c=nginx:1.28');
    expect(set).toMatchObject({ code: 0, stdout: 'deployment.apps/shop image updated\n' });
    const status = startKubectl(
      dir,
      ['rollout', 'status', 'deployment/shop', '-n', NS, '--timeout=30s'],
      config,
    );
    await status.waitFor('Waiting');
    expect(status.output()).toMatch(
      /Waiting for deployment "shop" rollout to finish: \d out of 4 new replicas have been updated\.\.\./,
    );
    await settle(30);
    expect(await status.exited).toBe(0);
    expect(status.output()).toContain('deployment "shop" successfully rolled out');

    const sets = rows((await kubectl('get', 'rs', '-l', 'app=shop')).stdout);
    expect(sets[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    const byName = new Map(sets.slice(1).map((row) => [row[0], row.slice(1, 4)]));
    expect(byName.get(first)).toEqual(['0', '0', '0']);
    const second = [...byName.keys()].find((name) => name !== first) ?? '';
    expect(second).toMatch(/^shop-[0-9a-z]+$/);
    expect(byName.get(second)).toEqual(['4', '4', '4']);
    const history = await kubectl('rollout', 'history', 'deployment/shop');
    expect(
      rows(history.stdout)
        .slice(1)
        .map((row) => row[0]),
    ).toEqual(['REVISION', '1', '2']);

    const undo = await kubectl('rollout', 'undo', 'deployment/shop');
    expect(undo).toMatchObject({ code: 0, stdout: 'deployment.apps/shop rolled back\n' });
    await settle(30);
    const image = await kubectl(
      'get',
      'deploy',
      'shop',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    expect(image.stdout).toBe('nginx:1.27');
    const after = new Map(
      rows((await kubectl('get', 'rs', '-l', 'app=shop')).stdout)
        .slice(1)
        .map((r) => [r[0], r[1]]),
    );
    expect(after).toEqual(
      new Map([
        [first, '4'],
        [second, '0'],
      ]),
    );
    const revision = await kubectl(
      'get',
      'rs',
      first,
      '-o',
      'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
    );
    expect(revision.stdout).toBe('3');
  });

  it('client-node lists the ReplicaSets and watches the Deployment through a rollout', async () => {
    const seen: Array<{
      generation: number;
      observed: number;
      updated: number;
      replicas: number;
      available: number;
    }> = [];
    const watching = await new Watch(kc).watch(
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      { fieldSelector: 'metadata.name=api' },
      (_type: string, d: V1Deployment) =>
        seen.push({
          generation: d.metadata?.generation ?? 0,
          observed: d.status?.observedGeneration ?? 0,
          updated: d.status?.updatedReplicas ?? 0,
          replicas: d.status?.replicas ?? 0,
          available: d.status?.availableReplicas ?? 0,
        }),
      () => undefined,
    );
    await apps.patchNamespacedDeployment({
      name: 'api',
      namespace: NS,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.28' }],
    });
    await settle(30);
    watching.abort();
    // During the rollout the pods never exceed 4 + maxSurge (1) and availability never drops below 3.
    const during = seen.filter((s) => s.generation === 2);
    expect(during.length).toBeGreaterThan(3);
    expect(Math.max(...during.map((s) => s.replicas))).toBe(5);
    expect(Math.min(...during.map((s) => s.available))).toBeGreaterThanOrEqual(3);
    expect(during.at(-1)).toEqual({ generation: 2, observed: 2, updated: 4, replicas: 4, available: 4 });

    const list = await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: 'app=api' });
    const images = list.items.map((rs) => [
      rs.spec?.template?.spec?.containers[0]?.image,
      rs.spec?.replicas,
      rs.status?.readyReplicas ?? 0,
    ]);
    expect(images).toEqual([
      ['nginx:1.27', 0, 0],
      ['nginx:1.28', 4, 4],
    ]);
    const owner = list.items[1]?.metadata?.ownerReferences?.[0];
    expect(owner).toMatchObject({ kind: 'Deployment', name: 'api', controller: true });
    const podOwners = (
      await runKubectl(
        dir,
        [
          'get',
          'pods',
          '-n',
          NS,
          '-l',
          'app=api',
          '-o',
          'jsonpath={.items[*].metadata.ownerReferences[0].name}',
        ],
        config,
      )
    ).stdout;
    expect(new Set(podOwners.split(' '))).toEqual(new Set([list.items[1]?.metadata?.name]));
  });
});
