/**
 * The pod admission policy as Terraform renders it (terraform/admission-policy.tf, planned
 * offline), enforced by the emulator's ValidatingAdmissionPolicy plugin with a real CEL
 * evaluator: the reconcile identity, holding its Role, sets a pod's deletion cost through the
 * project's client-node adapter; as that identity the real kubectl cannot change an image, a
 * label, another annotation or the spec, and prints the apiserver's error; other users are not
 * matched by the policy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeEmulator, type Rule } from '../../../../emulator/kube/index.js';
import { ClientNodeScaleApi } from '../../../../shared/kube/client-node-api.js';
import { roleRules } from '../../../../shared/kube/rbac-rules.js';
import { renderAdmissionPolicy, type RenderedPolicy } from '../../../support/admission-policy.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const NS = 'tf-serving';
const NAME = 'resnet';
const OPERATOR = 'operator@acme.example';
const COST = 'controller.kubernetes.io/pod-deletion-cost';

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the Terraform-rendered pod admission policy in the emulator', () => {
  let rendered: RenderedPolicy;
  let emu: KubeEmulator;
  let dir: string;
  const configs: Record<string, string> = {};
  let pod: string;

  function kubectl(args: string[], user: string): Promise<Result> {
    return new Promise((resolve) => {
      execFile(
        KUBECTL,
        [...args, '-n', NS, '--cache-dir', join(dir, 'cache')],
        {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: configs[user] },
          timeout: 30_000,
        },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** What the policy guards: labels, annotations and spec of the pod. */
  const podState = () => {
    const found = emu.listPods(NS).find((p) => p.metadata.name === pod);
    // The containers, not the whole spec: the scheduler may bind the pod to a node meanwhile.
    return {
      labels: found?.metadata.labels,
      annotations: found?.metadata.annotations,
      containers: found?.spec.containers,
    };
  };

  // kubectl prints each cause as "field: message"; admission causes have no field.
  const denial = (message: string) =>
    `The pods "${pod}" is invalid: : ValidatingAdmissionPolicy '${rendered.policy.metadata.name}' with binding '${rendered.binding.metadata.name}' denied request: ${message}`;

  beforeAll(async () => {
    rendered = await renderAdmissionPolicy('acme-ml-prod');
    dir = await mkdtemp(join(tmpdir(), 'prescaler-vap-'));
    const scoped = (rules: Rule[]) => rules.map((r) => ({ ...r, namespaces: [NS] }));
    const podRights: Rule = {
      apiGroups: [''],
      resources: ['pods'],
      verbs: ['get', 'list', 'patch', 'update'],
    };
    emu = await KubeEmulator.start({
      rbac: [
        // kubectl reads a pod before it patches it: `get` beside the Role, which never gives it.
        {
          name: rendered.users.reconcile,
          token: 'reconcile-token',
          rules: scoped([...roleRules('reconcile', [NAME]), { ...podRights, verbs: ['get'] }]),
        },
        { name: rendered.users.prescale, token: 'prescale-token', rules: scoped([podRights]) },
        { name: OPERATOR, token: 'operator-token', rules: scoped([podRights]) },
      ],
    });
    emu.applyManifest(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
    emu.applyManifest(
      stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: NAME, namespace: NS },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: NAME } },
          template: {
            metadata: { labels: { app: NAME }, annotations: { 'team.acme/owner': 'ml' } },
            spec: { containers: [{ name: 'model', image: 'model:1' }] },
          },
        },
      }),
    );
    const applied = emu.applyManifest(`${stringify(rendered.policy)}---\n${stringify(rendered.binding)}`);
    expect(applied.policies).toEqual([
      `ValidatingAdmissionPolicy/${rendered.policy.metadata.name}`,
      `ValidatingAdmissionPolicyBinding/${rendered.binding.metadata.name}`,
    ]);
    await emu.tick();
    pod = emu.listPods(NS)[0]?.metadata.name ?? '';
    for (const user of [rendered.users.reconcile, rendered.users.prescale, OPERATOR]) {
      configs[user] = join(dir, `kubeconfig-${user.split('@')[0]}`);
      await emu.writeKubeconfig(configs[user], user);
    }
  });

  afterAll(async () => {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets the reconcile identity set the deletion cost (the project adapter, merge patch)', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(configs[rendered.users.reconcile] ?? '');
    await ClientNodeScaleApi.fromKubeConfig(kc).annotatePod(NS, pod, { [COST]: '-7' });
    expect(emu.listPods(NS).find((p) => p.metadata.name === pod)?.metadata.annotations?.[COST]).toBe('-7');
    const safe = await kubectl(
      ['annotate', `pod/${pod}`, 'cluster-autoscaler.kubernetes.io/safe-to-evict=true'],
      rendered.users.reconcile,
    );
    expect(safe).toMatchObject({ code: 0, stdout: `pod/${pod} annotated\n` });
  });

  const SPEC = "prescaler may not change a pod's spec";
  const cases: ReadonlyArray<{ what: string; args: string[]; expected: () => string }> = [
    {
      what: 'set image',
      args: ['set', 'image', 'pod/$POD', 'model=attacker/miner:1'],
      // kubectl set image words the error itself, around the server's message.
      expected: () =>
        `error: failed to patch image update to pod template: pods "${pod}" is forbidden: ${denial(SPEC).replace(/^The pods "[^"]+" is invalid: : /, '')}`,
    },
    {
      what: 'label',
      args: ['label', 'pod/$POD', 'app=other', '--overwrite'],
      expected: () => denial("prescaler may not change a pod's labels"),
    },
    {
      what: 'annotate (another annotation)',
      args: ['annotate', 'pod/$POD', 'team.acme/owner=attacker', '--overwrite'],
      expected: () =>
        denial(
          'prescaler may change only the controller.kubernetes.io/pod-deletion-cost and cluster-autoscaler.kubernetes.io/safe-to-evict annotations of a pod',
        ),
    },
  ];

  it.each(cases)(
    'refuses kubectl $what as the reconcile identity with the apiserver error',
    async ({ args, expected }) => {
      const before = podState();
      const command = args.map((a) => a.replace('$POD', pod));
      const result = await kubectl(command, rendered.users.reconcile);
      console.log(`kubectl ${command.join(' ')}: ${result.stderr.trim()}`);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`${expected()}\n`);
      expect(podState()).toEqual(before);
    },
  );

  it('answers the Status upstream returns: Invalid, 422, the sentence as the one cause', async () => {
    // client-node keeps the response body as the server sent it.
    const kc = new KubeConfig();
    kc.loadFromFile(configs[rendered.users.prescale] ?? '');
    const core = kc.makeApiClient(CoreV1Api);
    const failure = await core
      .patchNamespacedPod(
        { name: pod, namespace: NS, body: { metadata: { labels: { app: 'other' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .then(() => undefined)
      .catch((error: unknown) => error as { code: number; body: string });
    expect(failure?.code).toBe(422);
    const body = failure?.body ?? '{}';
    const message = `ValidatingAdmissionPolicy '${rendered.policy.metadata.name}' with binding '${rendered.binding.metadata.name}' denied request: prescaler may not change a pod's labels`;
    expect(JSON.parse(body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `pods "${pod}" is forbidden: ${message}`,
      reason: 'Invalid',
      details: { name: pod, kind: 'pods', causes: [{ message }] },
      code: 422,
    });
  });

  it('does not match other users', async () => {
    const label = await kubectl(['label', `pod/${pod}`, 'tier=gold'], OPERATOR);
    expect(label).toMatchObject({ code: 0, stdout: `pod/${pod} labeled\n` });
    const image = await kubectl(['set', 'image', `pod/${pod}`, 'model=model:2'], OPERATOR);
    expect(image.code).toBe(0);
    const after = emu.listPods(NS).find((p) => p.metadata.name === pod);
    expect(after?.metadata.labels?.tier).toBe('gold');
    expect(after?.spec.containers[0]?.image).toBe('model:2');
  });
});
