/**
 * The sample manifests show the agent added: TF Serving as a native sidecar, TorchServe as a plain
 * one; each Service targets the agent's ports, the model server's preStop waits on /drain, and the
 * grace period outlasts the drain bound.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { parseRoutes } from '../../../agent/config.js';

interface Container {
  name: string;
  restartPolicy?: string;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports?: Array<{ name: string; containerPort: number }>;
  lifecycle?: { preStop?: { httpGet?: { path: string; port: number } } };
}
interface Docs {
  deployment: {
    spec: {
      template: {
        spec: {
          terminationGracePeriodSeconds: number;
          initContainers?: Container[];
          containers: Container[];
        };
      };
    };
  };
  service: { spec: { ports: Array<{ port: number; targetPort: string }> } };
}

function load(file: string): Docs {
  const docs = parseAllDocuments(readFileSync(`emulator/kube/manifests/${file}`, 'utf8')).map(
    (d) => d.toJS() as { kind: string },
  );
  return {
    deployment: docs.find((d) => d.kind === 'Deployment') as unknown as Docs['deployment'],
    service: docs.find((d) => d.kind === 'Service') as unknown as Docs['service'],
  };
}

describe.each([
  ['tf-serving-resnet101.yaml', 'native', 'tf-serving', 'acme/resnet101/v1'],
  ['torchserve-detector.yaml', 'plain', 'torchserve', 'acme/fasterrcnn/v2'],
])('%s', (file, form, server, target) => {
  const { deployment, service } = load(file);
  const pod = deployment.spec.template.spec;
  const agent = [...(pod.initContainers ?? []), ...pod.containers].find(
    (c) => c.name === 'prescaler-agent',
  ) as Container;
  const env = Object.fromEntries((agent.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

  it(`runs the agent as a ${form} sidecar for ${target}, its pod name from the downward API`, () => {
    if (form === 'native') {
      expect(pod.initContainers?.map((c) => c.name)).toContain('prescaler-agent');
      expect(agent.restartPolicy).toBe('Always');
    } else {
      expect(pod.containers.map((c) => c.name)).toContain('prescaler-agent');
      expect(agent.restartPolicy).toBeUndefined();
    }
    expect(env.PRESCALER_TARGET).toBe(target);
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
  });

  it('points the Service at ports the agent listens on, each routed to the model server', () => {
    const routes = parseRoutes(env.PRESCALER_AGENT_ROUTES as string);
    const named = new Map((agent.ports ?? []).map((p) => [p.name, p.containerPort]));
    for (const port of service.spec.ports) {
      const listen = named.get(port.targetPort);
      expect(routes.map((r) => r.listenPort)).toContain(listen);
    }
  });

  it("holds the model server's shutdown on /drain, bounded below the grace period", () => {
    const model = pod.containers.find((c) => c.name === server) as Container;
    const hook = model.lifecycle?.preStop?.httpGet;
    expect(hook?.port).toBe(9091);
    const bound = Number(/^\/drain\?timeoutSeconds=(\d+)$/.exec(hook?.path ?? '')?.[1]);
    expect(bound).toBeLessThan(pod.terminationGracePeriodSeconds);
    expect(Number(env.PRESCALER_AGENT_GRACE_SECONDS)).toBeLessThanOrEqual(pod.terminationGracePeriodSeconds);
  });
});
