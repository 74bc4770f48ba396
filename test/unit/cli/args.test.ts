/**
 * The `prescaler` command line: every bad input is a usage error (exit 2) that names the flag
 * and says how to fix it; good input becomes one typed command, with defaults from the env.
 */
import { describe, expect, it } from '@jest/globals';
import { parseCommand, UsageError } from '../../../cli/args.js';
import { run } from '../../../cli/commands.js';

const env = { PRESCALER_TOPIC: 'prescaler-events', PRESCALER_TARGETS_FILE: '/tmp/registry.json' };

describe('parseCommand', () => {
  it.each([
    [['publish', '--images', '4'], '--target is required'],
    [['publish', '--target', 'acme/resnet101'], '--target: "acme/resnet101" must be "product/model/version"'],
    [['publish', '--target', 'a/b/c'], '--images is required'],
    [['publish', '--target', 'a/b/c', '--images', '0'], '--images: "0" must be an integer from 1'],
    [
      ['publish', '--target', 'a/b/c', '--images', '3', '--deadline', '-1'],
      "Option '--deadline' argument is ambiguous",
    ],
    [
      ['publish', '--target', 'a/b/c', '--images', '3', '--deadline=-1'],
      '--deadline: "-1" must be an integer from 1',
    ],
    [['publish', '--target', 'a/b/c', '--images', '3', '--batch=-x'], '--batch: "-x" must be'],
    [['publish', '--target', 'a/b/c', '--images', '3', '--topic', 'ab'], '--topic: "ab" must be'],
    [['publish', '--target', 'a/b/c', '--images', '3', '--colour', 'red'], "Unknown option '--colour'"],
    [['progress', '--target', 'a/b/c', '--done', '3'], '--batch is required'],
    [['progress', '--target', 'a/b/c', '--batch', 'b1'], '--done is required'],
    [['progress', '--target', 'a/b/c', '--batch', 'b1', '--done', 'x'], '--done: "x"'],
    [['progress', '--target', 'a/b/c', '--batch', 'b1', '--done', '0'], '--done: report at least one image'],
    [['progress', '--target', 'a/b/c', '--batch', 'b1', '--done', '1', '--failed=-2'], '--failed: "-2"'],
    [
      ['progress', '--target', 'a/b/c', '--batch', 'b1', '--done', '1', '--redis', 'http://x'],
      '--redis = "http://x/": scheme "http:" is not supported',
    ],
    [['status', '--decisions', '99'], '--decisions: "99" must be an integer from 0 to 50'],
    [['status', '--target', 'nope'], '--target: "nope"'],
    [['scale'], 'unknown command "scale"'],
  ])('%j fails naming the flag: %s', (argv, message) => {
    expect(() => parseCommand(argv, env)).toThrow(UsageError);
    expect(() => parseCommand(argv, env)).toThrow(message);
  });

  it('requires a topic when PRESCALER_TOPIC is not set', () => {
    expect(() => parseCommand(['publish', '--target', 'a/b/c', '--images', '3'], {})).toThrow(
      '--topic is required: give --topic prescaler-events, or set PRESCALER_TOPIC',
    );
  });

  it('requires a registry for status', () => {
    expect(() => parseCommand(['status'], {})).toThrow('--targets is required');
  });

  it('builds a publish command with defaults from the environment', () => {
    const cmd = parseCommand(
      ['publish', '--target', 'acme/resnet101/v1', '--images', '400', '--deadline', '600'],
      {
        ...env,
        PUBSUB_PROJECT_ID: 'local',
      },
    );
    expect(cmd).toMatchObject({
      command: 'publish',
      target: 'acme/resnet101/v1',
      images: 400,
      deadlineSeconds: 600,
      project: 'local',
      topic: 'prescaler-events',
    });
    expect(cmd.command === 'publish' && cmd.batchId).toMatch(/^b-[0-9a-f]{12}$/);
  });

  it('builds a progress command with REDIS_URL and PRESCALER_KEY_PREFIX', () => {
    expect(
      parseCommand(['progress', '--target', 'a/b/c', '--batch', 'b1', '--done', '3', '--failed', '1'], {
        REDIS_URL: 'redis://127.0.0.1:7000',
        PRESCALER_KEY_PREFIX: 'p1',
      }),
    ).toEqual({
      command: 'progress',
      redisUrl: 'redis://127.0.0.1:7000',
      redisMode: 'standalone',
      prefix: 'p1',
      target: 'a/b/c',
      batchId: 'b1',
      done: 3,
      failed: 1,
    });
  });
});

describe('run', () => {
  it('exits 2 with the message on stderr for bad input, 0 for --help', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    expect(await run(['publish', '--target', 'a/b/c', '--images', 'lots'], env, io)).toBe(2);
    expect(err.join('\n')).toContain('prescaler: --images: "lots" must be an integer');
    expect(out).toEqual([]);
    expect(await run(['--help'], env, io)).toBe(0);
    expect(out.join('\n')).toContain('usage: prescaler <command>');
  });
});
