import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../../shared/errors.js';
import { parseRegistry, parseRegistryJson } from '../../../../shared/config/registry.js';

const valid = {
  cluster: { project: 'my-project', location: 'europe-west1', name: 'ml' },
  namespace: 'tf-serving',
  deployment: 'image-classifier-resnet101',
  imagesPerReplica: 1,
  maxReplicas: 50,
};

function errorOf(targets: Record<string, unknown>): string {
  try {
    parseRegistry({ targets });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).permanent).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseRegistry', () => {
  it('accepts a valid registry and fills the scale-in defaults', () => {
    const registry = parseRegistry({ targets: { 'acme/resnet101/v1': valid } });
    const target = registry.get('acme/resnet101/v1');
    expect(target).toMatchObject({ name: 'acme/resnet101/v1', minReplicas: 0, maxReplicas: 50 });
    expect(target?.scaleIn).toEqual({
      stabilizationSeconds: 60,
      policies: [{ type: 'Percent', value: 50, periodSeconds: 30 }],
      selectPolicy: 'Max',
      staleSeconds: 900,
    });
  });

  it('accepts a kubeconfig cluster for local use', () => {
    const registry = parseRegistry({
      targets: { 'a/b/c': { ...valid, cluster: { kubeconfig: '/tmp/kc' } } },
    });
    expect(registry.get('a/b/c')?.cluster).toEqual({ kubeconfig: '/tmp/kc' });
  });

  it.each([
    [
      'maxReplicas out of range',
      { ...valid, maxReplicas: 0 },
      'target "a/b/c": key "maxReplicas" = 0: must be an integer from 1 to 10000',
    ],
    [
      'imagesPerReplica not an integer',
      { ...valid, imagesPerReplica: 1.5 },
      'key "imagesPerReplica" = 1.5: must be an integer from 1 to 10000',
    ],
    [
      'min above max',
      { ...valid, minReplicas: 60 },
      'key "minReplicas" = 60: must not exceed maxReplicas (50)',
    ],
    [
      'bad namespace',
      { ...valid, namespace: 'TF_Serving' },
      'key "namespace" = "TF_Serving": must be a Kubernetes namespace name',
    ],
    ['missing deployment', { ...valid, deployment: undefined }, 'key "deployment" = missing'],
    ['unknown key', { ...valid, replicas: 3 }, 'unknown key "replicas"'],
    [
      'bad policy type',
      { ...valid, scaleIn: { policies: [{ type: 'Pod', value: 1, periodSeconds: 15 }] } },
      'key "scaleIn.policies[0].type" = "Pod": must be "Pods" or "Percent"',
    ],
    [
      'stale window too short',
      { ...valid, scaleIn: { staleSeconds: 5 } },
      'key "scaleIn.staleSeconds" = 5: must be an integer from 30 to 604800',
    ],
    ['bad cluster', { ...valid, cluster: { project: 'p' } }, 'key "cluster"'],
  ])('%s', (_case, spec, message) => {
    expect(errorOf({ 'a/b/c': spec })).toContain(message);
  });

  it('rejects target names that are not product/model/version', () => {
    expect(errorOf({ resnet101: valid })).toContain(
      'target "resnet101": the name must be "product/model/version"',
    );
    expect(errorOf({ 'a/{b}/c': valid })).toContain('target "a/{b}/c"');
  });

  it('reports every problem at once', () => {
    const message = errorOf({ 'a/b/c': { ...valid, maxReplicas: -1, imagesPerReplica: 0 } });
    expect(message).toContain('"maxReplicas" = -1');
    expect(message).toContain('"imagesPerReplica" = 0');
  });

  it('rejects an empty registry and invalid JSON', () => {
    expect(() => parseRegistry({ targets: {} })).toThrow('must register at least one target');
    expect(() => parseRegistryJson('{"targets": ', 'PRESCALER_TARGETS')).toThrow(
      /PRESCALER_TARGETS is not valid JSON/,
    );
  });
});
