/**
 * Size and speed: 1,000 Deployments with 10 replicas each (10,000 pods) on virtual time, then a
 * few hundred API requests of the kinds prescaler makes, all answered correctly. Speed is not
 * asserted (a shared machine makes any bound flaky): the figures are printed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../../../shared/clock.js';
import { KubeEmulator } from '../../../../emulator/kube/index.js';

const DEPLOYMENTS = 1000;
const REPLICAS = 10;
const NAMESPACES = 20;

function manifests(): string {
  const docs: string[] = [];
  for (let i = 0; i < DEPLOYMENTS; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: model-${i}, namespace: ns-${i % NAMESPACES}, annotations: {emulator.prescaler.dev/startup-seconds: "10"}}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: model-${i}}}
  template:
    metadata: {labels: {app: model-${i}, tier: gpu}}
    spec: {containers: [{name: serving, image: "tensorflow/serving:2.14.1"}]}`);
  }
  return docs.join('\n---\n');
}

describe('1,000 Deployments and 10,000 pods', () => {
  const clock = new ManualClock(Date.parse('2025-06-01T08:00:00Z'));
  let emu: KubeEmulator;
  let headers: Record<string, string>;
  const figures: Record<string, string> = {};

  beforeAll(async () => {
    emu = await KubeEmulator.start({ clock, tls: false });
    headers = { authorization: `Bearer ${emu.adminToken}` };
  });
  afterAll(async () => {
    await emu.stop();
    process.stdout.write(`emulator load figures: ${JSON.stringify(figures)}\n`);
  });

  it('creates them and brings every pod to Ready', async () => {
    let t = performance.now();
    emu.applyManifest(manifests());
    await emu.tick();
    figures.createMs = (performance.now() - t).toFixed(0);
    expect(emu.listPods()).toHaveLength(DEPLOYMENTS * REPLICAS);
    t = performance.now();
    clock.advance(10_000);
    await emu.tick();
    figures.readyMs = (performance.now() - t).toFixed(0);
    expect(emu.listDeployments().every((d) => d.status.readyReplicas === REPLICAS)).toBe(true);
  });

  it('answers hundreds of requests, each with 200', async () => {
    const requests = 300;
    const t = performance.now();
    for (let i = 0; i < requests; i++) {
      const ns = `ns-${i % NAMESPACES}`;
      const name = `model-${i % NAMESPACES}`; // model-k lives in ns-k for k < 20
      const kind = i % 3;
      const response =
        kind === 0
          ? await fetch(`${emu.url}/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${name}`, { headers })
          : kind === 1
            ? await fetch(`${emu.url}/apis/apps/v1/namespaces/${ns}/deployments/${name}/scale`, { headers })
            : await fetch(`${emu.url}/apis/apps/v1/namespaces/${ns}/deployments/${name}/scale`, {
                method: 'PATCH',
                headers: { ...headers, 'content-type': 'application/merge-patch+json' },
                body: JSON.stringify({ spec: { replicas: REPLICAS + (i % 5) } }),
              });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const perSecond = requests / ((performance.now() - t) / 1000);
    figures.requestsPerSecond = perSecond.toFixed(0);
  });

  it('lists all 10,000 pods in one response', async () => {
    const t = performance.now();
    const response = await fetch(`${emu.url}/api/v1/pods`, { headers });
    const body = (await response.json()) as { items: unknown[] };
    figures.listAllMs = (performance.now() - t).toFixed(0);
    expect(body.items.length).toBeGreaterThanOrEqual(DEPLOYMENTS * REPLICAS);
    expect(performance.now() - t).toBeLessThan(5_000);
  });
});
