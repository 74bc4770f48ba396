import { describe, expect, it } from '@jest/globals';
import { loadSettings } from '../../../../shared/config/settings.js';

const targets = JSON.stringify({
  targets: {
    'a/b/c': {
      cluster: { kubeconfig: '/kc' },
      namespace: 'ns',
      deployment: 'd',
      imagesPerReplica: 1,
      maxReplicas: 3,
    },
  },
});

describe('loadSettings', () => {
  it('reads the registry inline and applies defaults', () => {
    const settings = loadSettings({ PRESCALER_TARGETS: targets });
    expect(settings.registry.names).toEqual(['a/b/c']);
    expect(settings.redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(settings.keyPrefix).toBe('prescaler');
    expect(settings.maxImagesPerEvent).toBe(100_000);
    expect(settings.reconcileConcurrency).toBe(16);
  });

  it('reads the registry from a file', () => {
    const settings = loadSettings({ PRESCALER_TARGETS_FILE: '/etc/targets.json' }, (path) => {
      expect(path).toBe('/etc/targets.json');
      return targets;
    });
    expect(settings.registry.size).toBe(1);
  });

  it('passes Redis auth and CA through', () => {
    const settings = loadSettings({
      PRESCALER_TARGETS: targets,
      REDIS_URL: 'rediss://10.0.0.3:6378',
      REDIS_AUTH: 'secret',
      REDIS_CA_CERT: 'PEM',
    });
    expect(settings.redis).toEqual({ url: 'rediss://10.0.0.3:6378', password: 'secret', caCert: 'PEM' });
  });

  it.each([
    [{}, 'no target registry: neither PRESCALER_TARGETS nor PRESCALER_TARGETS_FILE is set'],
    [
      { PRESCALER_TARGETS: targets, PRESCALER_TARGETS_FILE: '/x' },
      'both PRESCALER_TARGETS and PRESCALER_TARGETS_FILE are set',
    ],
    [
      { PRESCALER_TARGETS: targets, REDIS_URL: 'http://x' },
      'REDIS_URL = "http://x": must be redis://host:port or rediss://host:port',
    ],
    [
      { PRESCALER_TARGETS: targets, PRESCALER_MAX_IMAGES_PER_EVENT: '0' },
      'PRESCALER_MAX_IMAGES_PER_EVENT = "0": must be an integer from 1 to 100000000',
    ],
    [{ PRESCALER_TARGETS: targets, PRESCALER_KEY_PREFIX: 'a:{b}' }, 'PRESCALER_KEY_PREFIX = "a:{b}"'],
    [{ PRESCALER_TARGETS_FILE: '/missing' }, 'PRESCALER_TARGETS_FILE = "/missing" cannot be read'],
  ])('rejects %j', (env, message) => {
    expect(() =>
      loadSettings(env, () => {
        throw new Error('ENOENT');
      }),
    ).toThrow(message);
  });
});
