/**
 * The functions' dependencies for a describe block, built by hand as in the integration tests of
 * the functions: a private Redis (a redis-server, or a real Redis Cluster) started before the
 * tests and stopped after them, and for each test fresh dependencies on a new key prefix, with
 * the fake Kubernetes API (fake-scale-api.ts), a ManualClock and a MemoryLogger.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '../../shared/clock.js';
import type { RedisMode, Settings } from '../../shared/config/settings.js';
import { MemoryLogger } from '../../shared/log.js';
import { createDeps, type FunctionDeps } from '../../functions/deps.js';
import { RedisServer } from '../../emulator/stack/redis-server.js';
import { localSettings } from '../../emulator/stack/settings.js';
import { FakeScaleApi } from './fake-scale-api.js';
import type { RedisCluster } from './redis-cluster.js';

/** A fresh key prefix, so that tests on one Redis do not see each other's keys. */
export const freshPrefix = (): string => `t${randomUUID().slice(0, 8)}`;

/**
 * Settings for targets reached through the fake API: each target gets a cluster entry that is
 * never dialled (the fake stands in for it).
 */
export function fakeClusterSettings(
  targets: Record<string, Record<string, unknown>>,
  redisUrl: string,
  prefix: string,
  mode: RedisMode = 'standalone',
): Settings {
  const registry = Object.fromEntries(
    Object.entries(targets).map(([name, fields]) => [
      name,
      { cluster: { kubeconfig: '/unused' }, ...fields },
    ]),
  );
  const settings = localSettings(registry, redisUrl, prefix);
  return mode === 'standalone' ? settings : { ...settings, redis: { ...settings.redis, mode } };
}

export interface TestDeps {
  readonly deps: FunctionDeps;
  readonly kube: FakeScaleApi;
  readonly clock: ManualClock;
  readonly logger: MemoryLogger;
  readonly prefix: string;
}

export interface DepsSuite {
  /** The suite's Redis, set once it is up. */
  readonly server: RedisServer | RedisCluster;
  /**
   * New dependencies for the next test (the previous ones' connections closed, a stopped server
   * restarted): `targets` as in the registry, without their cluster.
   */
  renew(
    targets: Record<string, Record<string, unknown>>,
    options: { readonly nowMs: number; readonly mode?: RedisMode },
  ): Promise<TestDeps>;
}

/** Starts `start()`'s Redis before the describe block's tests and stops it after them. */
export function depsForSuite(
  start: () => Promise<RedisServer | RedisCluster> = () => RedisServer.start(),
): DepsSuite {
  let server: RedisServer | RedisCluster | undefined;
  let current: FunctionDeps | undefined;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await current?.redis.close();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('the suite Redis is not started yet: use it inside tests and hooks');
      return server;
    },
    async renew(targets, options) {
      const redis = this.server;
      if (!redis.running) await redis.restart();
      await current?.redis.close();
      const prefix = freshPrefix();
      const kube = new FakeScaleApi();
      const clock = new ManualClock(options.nowMs);
      const logger = new MemoryLogger();
      const settings = fakeClusterSettings(targets, redis.url, prefix, options.mode);
      current = createDeps(settings, { clusters: kube, clock, logger });
      return { deps: current, kube, clock, logger, prefix };
    },
  };
}
