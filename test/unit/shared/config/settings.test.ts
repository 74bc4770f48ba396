import { describe, expect, it } from '@jest/globals';
import { redactUrl } from '../../../../shared/config/redis-url.js';
import { loadSettings, secretsOf } from '../../../../shared/config/settings.js';
import { redisOptions } from '../../../../shared/redis/client.js';
import { minimalRegistry } from '../../../support/registry.js';

const targets = JSON.stringify(minimalRegistry('a/b/c'));

describe('loadSettings', () => {
  it('reads the registry inline and applies defaults', () => {
    const settings = loadSettings({ PRESCALER_TARGETS: targets });
    expect(settings.registry.names).toEqual(['a/b/c']);
    expect(settings.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      mode: 'standalone',
      waitReplicas: 0,
      waitTimeoutMs: 1000,
    });
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
    expect(settings.redis).toMatchObject({
      url: 'rediss://10.0.0.3:6378',
      password: 'secret',
      caCert: 'PEM',
    });
  });

  it.each([
    [{}, 'no target registry: neither PRESCALER_TARGETS nor PRESCALER_TARGETS_FILE is set'],
    [
      { PRESCALER_TARGETS: targets, PRESCALER_TARGETS_FILE: '/x' },
      'both PRESCALER_TARGETS and PRESCALER_TARGETS_FILE are set',
    ],
    [
      { PRESCALER_TARGETS: targets, REDIS_URL: 'http://x' },
      'REDIS_URL = "http://x/": scheme "http:" is not supported',
    ],
    [
      { PRESCALER_TARGETS: targets, REDIS_URL: 'redis://u:pw@h:6379/two' },
      'REDIS_URL = "redis://u:***@h:6379/two": path "/two" is not a database number',
    ],
    [
      { PRESCALER_TARGETS: targets, REDIS_URL: 'redis://:pw@h:6379/0?tls=1' },
      'REDIS_URL = "redis://:***@h:6379/0?tls=1": query options (tls) are not supported',
    ],
    [
      { PRESCALER_TARGETS: targets, REDIS_URL: 'redis://h:6379/3', REDIS_MODE: 'cluster' },
      'database 3 is not supported in cluster mode',
    ],
    [
      { PRESCALER_TARGETS: targets, REDIS_MODE: 'sentinel' },
      'REDIS_MODE = "sentinel": must be "standalone" or "cluster"',
    ],
    [
      { PRESCALER_TARGETS: targets, REDIS_URL: 'redis://:a@h', REDIS_AUTH: 'b' },
      'both REDIS_AUTH and a password in REDIS_URL are set',
    ],
    [
      { PRESCALER_TARGETS: targets, REDIS_WAIT_REPLICAS: '-1' },
      'REDIS_WAIT_REPLICAS = "-1": must be an integer from 0 to 5',
    ],
    [
      { PRESCALER_TARGETS: targets, PRESCALER_MAX_IMAGES_PER_EVENT: '0' },
      'PRESCALER_MAX_IMAGES_PER_EVENT = "0": must be an integer from 1 to 100000000',
    ],
    [{ PRESCALER_TARGETS: targets, PRESCALER_KEY_PREFIX: 'a:{b}' }, 'PRESCALER_KEY_PREFIX = "a:{b}"'],
    [{ PRESCALER_TARGETS_FILE: '/missing' }, 'PRESCALER_TARGETS_FILE = "/missing" cannot be read'],
  ])('rejects %j', (env: Record<string, string>, message) => {
    expect(() =>
      loadSettings(env, () => {
        throw new Error('ENOENT');
      }),
    ).toThrow(message);
  });
});

describe('REDIS_URL', () => {
  it('honours rediss, a username, a password and a database number', () => {
    const settings = loadSettings({
      PRESCALER_TARGETS: targets,
      REDIS_URL: 'rediss://worker:p%40ss%2Fw0rd@10.0.0.3:6378/4',
    });
    expect(redisOptions(settings.redis)).toMatchObject({
      host: '10.0.0.3',
      port: 6378,
      username: 'worker',
      password: 'p@ss/w0rd',
      db: 4,
      tls: {},
    });
  });

  it('takes the password from REDIS_AUTH when the URL has none', () => {
    const settings = loadSettings({
      PRESCALER_TARGETS: targets,
      REDIS_URL: 'redis://h:1/0',
      REDIS_AUTH: 's3',
    });
    expect(redisOptions(settings.redis)).toMatchObject({ host: 'h', port: 1, password: 's3', db: 0 });
    expect(redisOptions(settings.redis).tls).toBeUndefined();
  });

  it('never shows the password in a message', () => {
    const secret = 'hunter2-very-secret';
    for (const url of [
      `redis://u:${secret}@h:1/x`,
      `redis://u:${secret}@h:1/0?a=b`,
      `redis://u:${secret}@[bad`,
    ]) {
      let message = '';
      try {
        loadSettings({ PRESCALER_TARGETS: targets, REDIS_URL: url });
      } catch (error) {
        message = `${(error as Error).message} ${(error as { hint?: string }).hint ?? ''}`;
      }
      expect(message).toContain('REDIS_URL');
      expect(message).not.toContain(secret);
    }
    expect(redactUrl(`rediss://u:${secret}@h:1/2`)).toBe('rediss://u:***@h:1/2');
    expect(secretsOf({ REDIS_URL: `redis://:${secret}@h`, REDIS_AUTH: 'other' })).toEqual([
      'other',
      secret,
      secret,
    ]);
  });
});
