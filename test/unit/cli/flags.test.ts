/**
 * The `prescaler` command's flag values: each check names the flag, the value and the fix, and
 * the common flags default to the environment the functions use.
 */
import { describe, expect, it } from '@jest/globals';
import {
  batchId,
  commonOf,
  integer,
  parseFlags,
  required,
  stringFlags,
  targetName,
  topicName,
  UsageError,
} from '../../../cli/flags.js';

describe('flag values', () => {
  it.each([
    [
      () => integer('images', '0', 1, 100, '400'),
      '--images: "0" must be an integer from 1 to 100 (e.g. --images 400)',
    ],
    [() => integer('images', '2.5', 1, 100, '400'), '--images: "2.5" must be an integer'],
    [() => integer('images', 'many', 1, 100, '400'), '--images: "many"'],
    [() => integer('images', ' ', 1, 100, '400'), '--images: " "'],
    [() => required('target', undefined, 'a/b/c'), '--target is required: give --target a/b/c'],
    [() => required('topic', '', 'events', 'PRESCALER_TOPIC'), 'give --topic events, or set PRESCALER_TOPIC'],
    [() => targetName('acme/resnet101'), '--target: "acme/resnet101" must be "product/model/version"'],
    [() => batchId('-x'), '--batch: "-x" must be'],
    [() => topicName('ab'), '--topic: "ab" must be 3-255 letters'],
    [
      () => topicName('projects/p/topics/x'),
      '--topic: "projects/p/topics/x" must be a topic name or projects/P/topics/NAME',
    ],
  ])('%# throws a UsageError naming the flag: %s', (check, message) => {
    expect(check).toThrow(UsageError);
    expect(check).toThrow(message);
  });

  it.each([
    [() => integer('decisions', '50', 0, 50, '5'), 50],
    [() => required('batch', 'b-42', 'b-42'), 'b-42'],
    [() => targetName('acme/resnet101/v1'), 'acme/resnet101/v1'],
    [() => batchId('b:42@x/y'), 'b:42@x/y'],
    [() => topicName('prescaler-events'), 'prescaler-events'],
    [() => topicName('projects/p/topics/prescaler-events'), 'projects/p/topics/prescaler-events'],
  ])('%# accepts a good value as it is', (check, value) => {
    expect(check()).toBe(value);
  });
});

describe('commonOf', () => {
  it('defaults to REDIS_URL, REDIS_MODE and PRESCALER_KEY_PREFIX, and the flags win', () => {
    const env = { REDIS_URL: 'redis://r:6380', PRESCALER_KEY_PREFIX: 'p1', REDIS_MODE: 'cluster' };
    expect(commonOf({}, env)).toEqual({ redisUrl: 'redis://r:6380', redisMode: 'cluster', prefix: 'p1' });
    expect(commonOf({ redis: 'redis://s:1', prefix: 'p2' }, env)).toMatchObject({
      redisUrl: 'redis://s:1',
      prefix: 'p2',
    });
    expect(commonOf({}, {})).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      redisMode: 'standalone',
      prefix: 'prescaler',
    });
  });

  it.each([
    [{}, { REDIS_MODE: 'sentinel' }, 'REDIS_MODE: "sentinel" must be "standalone" or "cluster"'],
    [{ redis: 'http://x' }, {}, '--redis = "http://x/": scheme "http:" is not supported'],
    [{ prefix: 'a b' }, {}, '--prefix: "a b" must be 1-40 letters'],
  ])('%j with %j fails: %s', (values, env, message) => {
    expect(() => commonOf(values, env)).toThrow(UsageError);
    expect(() => commonOf(values, env)).toThrow(message);
  });
});

describe('parseFlags', () => {
  const options = { images: { type: 'string' }, json: { type: 'boolean' } } as const;

  it('returns the typed values', () => {
    expect(parseFlags('publish', ['--images', '3', '--json'], options)).toEqual({ images: '3', json: true });
  });

  it('takes string flags by name', () => {
    expect(parseFlags('status', ['--target', 'a/b/c'], stringFlags('target', 'kubeconfig'))).toEqual({
      target: 'a/b/c',
    });
  });

  it.each([
    [['--colour', 'red'], "publish: Unknown option '--colour'"],
    [['--images'], "publish: Option '--images <value>' argument missing"],
    [['extra'], 'publish: Unexpected argument'],
  ])('%j is a UsageError naming the command: %s', (args, message) => {
    expect(() => parseFlags('publish', args, options)).toThrow(UsageError);
    expect(() => parseFlags('publish', args, options)).toThrow(message);
  });
});
