/**
 * The emulator through the machine's real kubectl over HTTPS with the emulator's CA (a private
 * HOME and cache directory per run, so no discovery cache leaks between runs): tables with true
 * values, scale (merge patch, and PUT with --current-replicas), label selectors, annotate, watches,
 * and the server errors as kubectl prints them. Time is virtual: the test moves the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../../shared/clock.js';
import { KubeEmulator } from '../../../../emulator/kube/index.js';
import { rows, runKubectl, startKubectl, type Result } from './support/kubectl.js';
const START = Date.parse('2025-06-01T08:00:00Z');
const NS = 'tf-serving';
const NAME = 'image-classifier-resnet101';
const VIEWER = 'viewer@acme.iam.gserviceaccount.com';

describe('emulator with the real kubectl', () => {
  const clock = new ManualClock(START);
  let emu: KubeEmulator;
  let dir: string;
  let adminConfig: string;
  let viewerConfig: string;
  /** `METHOD path status user`, one line per request the emulator served. */
  const requests: string[] = [];

  /** Runs kubectl asynchronously (the emulator answers from this same process). */
  function kubectl(args: string[], kubeconfig = adminConfig): Promise<Result> {
    return runKubectl(dir, args, kubeconfig);
  }

  /** `kubectl patch deploy NAME --subresource=scale --type=merge -p BODY`. */
  function patchScale(body: object, kubeconfig = adminConfig): Promise<Result> {
    const args = [
      'patch',
      'deploy',
      NAME,
      '-n',
      NS,
      '--subresource=scale',
      '--type=merge',
      '-p',
      JSON.stringify(body),
    ];
    return kubectl(args, kubeconfig);
  }

  async function settle(ms: number): Promise<void> {
    clock.advance(ms);
    await emu.tick();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-emulator-kubectl-'));
    emu = await KubeEmulator.start({ clock, log: (line) => requests.push(line) });
    await emu.loadManifests(join(process.cwd(), 'emulator/kube/manifests'));
    emu.addUser(VIEWER, [
      {
        apiGroups: ['apps'],
        resources: ['deployments', 'deployments/scale'],
        verbs: ['get', 'list'],
        namespaces: [NS],
      },
    ]);
    adminConfig = join(dir, 'admin.kubeconfig');
    viewerConfig = join(dir, 'viewer.kubeconfig');
    await emu.writeKubeconfig(adminConfig);
    await emu.writeKubeconfig(viewerConfig, VIEWER);
    await settle(31_000); // every manifest Deployment Ready
  });

  afterAll(async () => {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints Deployments as the server Table with true values', async () => {
    const { code, stdout, stderr } = await kubectl(['get', 'deploy', '-n', NS]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(rows(stdout)).toEqual([
      ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
      [NAME, '1/1', '1', '1', '31s'],
    ]);
    const all = await kubectl(['get', 'deployments', '-A']);
    expect(rows(all.stdout)).toEqual([
      ['NAMESPACE', 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
      [NS, NAME, '1/1', '1', '1', '31s'],
      ['torchserve', 'object-detector-fasterrcnn', '2/2', '2', '2', '31s'],
      ['workers', 'thumbnail-worker', '3/3', '3', '3', '31s'],
    ]);
    const wide = await kubectl(['get', 'deploy', NAME, '-n', NS, '-o', 'wide']);
    expect(rows(wide.stdout)[1]).toEqual([
      NAME,
      '1/1',
      '1',
      '1',
      '31s',
      'tf-serving',
      'tensorflow/serving:2.14.1-gpu',
      'app=image-classifier,version=resnet101',
    ]);
  });

  it('scales up with kubectl scale; after the startup delay the Deployment is 5/5 with five Running pods', async () => {
    const scaled = await kubectl(['scale', `deploy/${NAME}`, '-n', NS, '--replicas=5']);
    expect(scaled.stdout.trim()).toBe(`deployment.apps/${NAME} scaled`);
    expect(rows((await kubectl(['get', 'deploy', '-n', NS])).stdout)[1]).toEqual([
      NAME,
      '1/5',
      '5',
      '1',
      '31s',
    ]);
    const starting = rows((await kubectl(['get', 'pods', '-n', NS, '-l', 'app=image-classifier'])).stdout);
    expect(
      starting
        .slice(1)
        .map((r) => r[2])
        .sort(),
    ).toEqual(['Pending', 'Pending', 'Pending', 'Pending', 'Running']);

    await settle(30_000); // the manifest's startup-seconds
    expect(rows((await kubectl(['get', 'deploy', '-n', NS])).stdout)[1]).toEqual([
      NAME,
      '5/5',
      '5',
      '5',
      '61s',
    ]);
    const pods = rows((await kubectl(['get', 'pods', '-n', NS, '-l', 'app=image-classifier'])).stdout);
    expect(pods[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(pods.slice(1)).toHaveLength(5);
    for (const row of pods.slice(1)) {
      expect(row[0]).toMatch(new RegExp(`^${NAME}-[a-z0-9]+-[a-z0-9]{5}$`));
      expect(row.slice(1, 4)).toEqual(['1/1', 'Running', '0']);
    }
    const selected = await kubectl([
      'get',
      'pods',
      '-n',
      NS,
      '-l',
      'version in (resnet101),app!=other',
      '-o',
      'name',
    ]);
    expect(selected.stdout.trim().split('\n')).toHaveLength(5);
    const none = await kubectl(['get', 'pods', '-n', NS, '-l', 'version notin (resnet101)']);
    expect(none.stderr.trim()).toBe(`No resources found in ${NS} namespace.`);
  });

  it('annotates a pod and removes the annotation with k-', async () => {
    const pod = emu.listPods(NS, 'app=image-classifier')[0]?.metadata.name ?? '';
    const cost = 'controller.kubernetes.io/pod-deletion-cost';
    const set = await kubectl(['annotate', 'pod', pod, '-n', NS, `${cost}=-20`]);
    expect(set.stdout.trim()).toBe(`pod/${pod} annotated`);
    expect(emu.listPods(NS).find((p) => p.metadata.name === pod)?.metadata.annotations?.[cost]).toBe('-20');
    const shown = await kubectl([
      'get',
      'pod',
      pod,
      '-n',
      NS,
      '-o',
      `jsonpath={.metadata.annotations.${cost.replace(/\./g, '\\.')}}`,
    ]);
    expect(shown.stdout).toBe('-20');
    const removed = await kubectl(['annotate', 'pod', pod, '-n', NS, `${cost}-`]);
    expect(removed.stdout.trim()).toBe(`pod/${pod} annotated`);
    expect(emu.listPods(NS).find((p) => p.metadata.name === pod)?.metadata.annotations).not.toHaveProperty(
      cost,
    );
  });

  it('annotates a Deployment (the pause switch) without a new generation', async () => {
    const before = emu.getDeployment(NS, NAME);
    const paused = await kubectl(['annotate', 'deploy', NAME, '-n', NS, 'prescaler.dev/paused=true']);
    expect(paused.stdout.trim()).toBe(`deployment.apps/${NAME} annotated`);
    const after = emu.getDeployment(NS, NAME);
    expect(after?.metadata.annotations?.['prescaler.dev/paused']).toBe('true');
    expect(after?.metadata.generation).toBe(before?.metadata.generation);
    expect(Number(after?.metadata.resourceVersion)).toBeGreaterThan(Number(before?.metadata.resourceVersion));
    await kubectl(['annotate', 'deploy', NAME, '-n', NS, 'prescaler.dev/paused-']);
    expect(emu.getDeployment(NS, NAME)?.metadata.annotations).not.toHaveProperty('prescaler.dev/paused');
  });

  it('scales with --current-replicas through a PUT of the Scale; a wrong current count is refused', async () => {
    const scaled = await kubectl([
      'scale',
      `deploy/${NAME}`,
      '-n',
      NS,
      '--current-replicas=5',
      '--replicas=3',
    ]);
    expect(scaled.code).toBe(0);
    expect(scaled.stdout.trim()).toBe(`deployment.apps/${NAME} scaled`);
    expect(requests).toContain(`PUT /apis/apps/v1/namespaces/${NS}/deployments/${NAME}/scale 200 admin`);
    expect(emu.getDeployment(NS, NAME)?.spec.replicas).toBe(3);
    const wrong = await kubectl([
      'scale',
      `deploy/${NAME}`,
      '-n',
      NS,
      '--current-replicas=7',
      '--replicas=2',
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr.trim()).toBe('error: Expected replicas to be 7, was 3');
    const terminating = rows((await kubectl(['get', 'pods', '-n', NS])).stdout).filter(
      (r) => r[2] === 'Terminating',
    );
    expect(terminating).toHaveLength(2);
  });

  it('prints NotFound, Forbidden and Conflict as "Error from server (Reason): message"', async () => {
    const notFound = await kubectl(['get', 'deploy', 'nope', '-n', NS]);
    expect(notFound.code).not.toBe(0);
    expect(notFound.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "nope" not found');

    const listPods = await kubectl(['get', 'pods', '-n', NS], viewerConfig);
    expect(listPods.stderr.trim()).toBe(
      `Error from server (Forbidden): pods is forbidden: User "${VIEWER}" cannot list resource "pods" in API group "" in the namespace "${NS}"`,
    );
    const patch = await patchScale({ spec: { replicas: 1 } }, viewerConfig);
    expect(patch.stderr.trim()).toBe(
      `Error from server (Forbidden): deployments.apps "${NAME}" is forbidden: User "${VIEWER}" cannot patch resource "deployments/scale" in API group "apps" in the namespace "${NS}"`,
    );
    const viewerGet = await kubectl(['get', 'deploy', '-n', NS], viewerConfig);
    expect(viewerGet.code).toBe(0);

    // kubectl scale retries a 409 for minutes; kubectl patch prints it at once.
    const conflict = await patchScale({ metadata: { resourceVersion: '1' }, spec: { replicas: 2 } });
    expect(conflict.stderr.trim()).toBe(
      `Error from server (Conflict): Operation cannot be fulfilled on deployments.apps "${NAME}": the object has been modified; please apply your changes to the latest version and try again`,
    );
    expect(emu.getDeployment(NS, NAME)?.spec.replicas).toBe(3);

    const invalid = await patchScale({ spec: { replicas: -1 } });
    expect(invalid.stderr.trim()).toBe(
      `The Scale "${NAME}" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
    );
  });

  it('watches: kubectl rollout status follows the Deployment on virtual time', async () => {
    await kubectl(['scale', `deploy/${NAME}`, '-n', NS, '--replicas=4']);
    const status = startKubectl(
      dir,
      ['rollout', 'status', `deploy/${NAME}`, '-n', NS, '--timeout=20s'],
      adminConfig,
    );
    await status.waitFor('Waiting');
    const out = status.output();
    expect(out).toContain(
      `Waiting for deployment "${NAME}" rollout to finish: 3 of 4 updated replicas are available...`,
    );
    await settle(30_000);
    expect(await status.exited).toBe(0);
    expect(status.output()).toContain(`deployment "${NAME}" successfully rolled out`);
  });

  it('lists ReplicaSets (rs), HorizontalPodAutoscalers (hpa) and KEDA ScaledObjects', async () => {
    await settle(30_000);
    const replicas = emu.getDeployment(NS, NAME)?.spec.replicas ?? -1;
    const rs = await kubectl(['get', 'rs', '-n', NS]);
    expect(rs.code).toBe(0);
    const [header, row] = rows(rs.stdout);
    expect(header).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(row?.[0]).toMatch(new RegExp(`^${NAME}-[0-9a-f]+$`));
    expect(row?.slice(1, 4)).toEqual([String(replicas), String(replicas), String(replicas)]);
    const json = JSON.parse((await kubectl(['get', 'rs', '-n', NS, '-o', 'json'])).stdout) as {
      items: Array<{
        metadata: { ownerReferences: Array<{ kind: string; name: string; controller: boolean }> };
      }>;
    };
    expect(json.items[0]?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: NAME, controller: true }),
    ]);

    emu.applyAutoscaler(
      {
        kind: 'HorizontalPodAutoscaler',
        apiVersion: 'autoscaling/v2',
        metadata: { name: 'cpu' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME },
          minReplicas: 1,
          maxReplicas: 9,
        },
      },
      NS,
    );
    emu.applyAutoscaler(
      {
        kind: 'ScaledObject',
        apiVersion: 'keda.sh/v1alpha1',
        metadata: { name: 'queue' },
        spec: { scaleTargetRef: { name: NAME } },
      },
      NS,
    );
    const hpa = rows((await kubectl(['get', 'hpa', '-n', NS])).stdout);
    expect(hpa[0]).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(hpa[1]?.slice(0, 5)).toEqual(['cpu', `Deployment/${NAME}`, '<unknown>', '1', '9']);
    const so = rows((await kubectl(['get', 'scaledobjects.keda.sh', '-n', NS])).stdout);
    expect(so[1]?.slice(0, 3)).toEqual(['queue', 'apps/v1.Deployment', NAME]);
    const missing = await kubectl(['get', 'hpa', 'nope', '-n', NS]);
    expect(missing.stderr.trim()).toBe(
      'Error from server (NotFound): horizontalpodautoscalers.autoscaling "nope" not found',
    );
  });
});
