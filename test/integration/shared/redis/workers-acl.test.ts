/**
 * `prescaler workers-acl` against a real redis-server: the printed ACL SETUSER, run by the admin,
 * makes a user that can report progress and heartbeats for its target through the progress
 * contract, and is refused everything else: FLUSHALL, reading or writing the ledger, another
 * target's keys, scripts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { run, type Output } from '../../../../cli/commands.js';
import { TargetKeys } from '../../../../shared/redis/keys.js';
import { ProgressReporter } from '../../../../shared/redis/progress.js';
import { RedisServer } from '../../../../emulator/stack/redis-server.js';

const ADMIN = 'admin-password-0123456789';
const WORKER = 'worker-password-0123456789';
const T = 'acme/resnet101/v1';
const OTHER = 'acme/other/v1';
const PREFIX = 'prescaler';

function capture(): Output & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (t) => out_.push(t), err: (t) => err_.push(t) };
}

describe('prescaler workers-acl on a real redis-server', () => {
  let server: RedisServer;
  let admin: Redis;
  let worker: Redis;
  let command: string;

  beforeAll(async () => {
    server = await RedisServer.start(['--requirepass', ADMIN]);
    admin = new Redis({ port: server.port, password: ADMIN, maxRetriesPerRequest: 1 });
    const io = capture();
    expect(
      await run(
        ['workers-acl', '--target', T, '--password-env', 'WORKER_PASSWORD'],
        { WORKER_PASSWORD: WORKER },
        io,
      ),
    ).toBe(0);
    command = io.out_.join('\n');
    expect(io.err_).toEqual([]);
    expect(command).not.toContain(WORKER);
    const [acl, setuser, ...args] = command.split(' ');
    expect(`${acl} ${setuser}`).toBe('ACL SETUSER');
    expect(await admin.call('ACL', 'SETUSER', ...args)).toBe('OK');
    await admin.hset(new TargetKeys(PREFIX, T).total, 'b1', 10);
    worker = new Redis({
      port: server.port,
      username: 'prescaler-worker-acme-resnet101-v1',
      password: WORKER,
      maxRetriesPerRequest: 1,
    });
  });

  afterAll(async () => {
    worker?.disconnect();
    admin?.disconnect();
    await server.stop();
  });

  it('prints one ACL SETUSER limited to the contract commands and the target keys', () => {
    expect(command).toMatch(
      /^ACL SETUSER prescaler-worker-acme-resnet101-v1 reset on #[0-9a-f]{64} ~prescaler:\{acme\/resnet101\/v1\}:done ~prescaler:\{acme\/resnet101\/v1\}:failed ~prescaler:\{acme\/resnet101\/v1\}:pod:\* ~prescaler:\{acme\/resnet101\/v1\}:holders:\* -@all \+hincrby \+set \+del \+time \+multi \+exec \+zremrangebyscore \+zadd \+pexpire \+zrem \+ping \+cluster\|info \+cluster\|slots \+cluster\|shards \+cluster\|nodes$/,
    );
  });

  it('lets the worker report progress and heartbeats', async () => {
    const reporter = new ProgressReporter(worker, T, 'pod-a', PREFIX);
    await reporter.done('b1', 3);
    await reporter.failed('b1', 1);
    await reporter.heartbeat(2);
    const keys = new TargetKeys(PREFIX, T);
    expect(await admin.hget(keys.done, 'b1')).toBe('3');
    expect(await admin.hget(keys.failed, 'b1')).toBe('1');
    expect(await admin.get(keys.pod('pod-a'))).toBe('2');
    await reporter.heartbeat(0);
    expect(await admin.exists(keys.pod('pod-a'))).toBe(0);
    // The holders form, for pods whose processes hold work each.
    await reporter.hold('proc-1', 2);
    expect(await admin.zcard(keys.holders('pod-a'))).toBe(1);
    await reporter.release('proc-1', 2);
    expect(await admin.exists(keys.holders('pod-a'))).toBe(0);
  });

  it.each([
    ['FLUSHALL', () => worker.flushall()],
    ['reading the ledger', () => worker.hgetall(new TargetKeys(PREFIX, T).total)],
    ['forging the ledger', () => worker.hset(new TargetKeys(PREFIX, T).total, 'b1', 99999)],
    ['reading its own progress', () => worker.hget(new TargetKeys(PREFIX, T).done, 'b1')],
    ['another target', () => worker.hincrby(new TargetKeys(PREFIX, OTHER).done, 'b1', 1)],
    ["another target's heartbeat", () => worker.set(new TargetKeys(PREFIX, OTHER).pod('x'), 5)],
    ['a script', () => worker.eval('return 1', 0)],
    ['the reject list', () => worker.lpush(`${PREFIX}:rejected`, 'x')],
  ])('refuses %s', async (_what, call) => {
    await expect(call()).rejects.toThrow(/NOPERM/);
    expect(await admin.hget(new TargetKeys(PREFIX, T).total, 'b1')).toBe('10');
  });

  it('generates a password when none is given and shows it once, on stderr', async () => {
    const io = capture();
    expect(await run(['workers-acl', '--target', T, '--user', 'w1'], {}, io)).toBe(0);
    expect(io.out_[0]).toMatch(/^ACL SETUSER w1 reset on #[0-9a-f]{64} /);
    expect(io.err_).toHaveLength(1);
    expect(io.err_[0]).toMatch(/^password of w1 \(generated; .*\): \S{32}$/);
  });
});
