/**
 * Jest hooks around the services the deployed-function and CLI tests share: the Pub/Sub
 * emulator, a private redis-server with one client, a scratch directory and the process group
 * that owns the children, all started before a describe block's tests and stopped after them.
 * Also what those tests build on top: the Kubernetes objects they load into the API emulator,
 * a user holding a function's Role, and a registry file.
 */
import { afterAll, beforeAll } from '@jest/globals';
import type { PubSub } from '@google-cloud/pubsub';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { UserSpec } from '../../emulator/kube/index.js';
import { checkPrerequisites } from '../../emulator/stack/prerequisites.js';
import { ProcessGroup } from '../../emulator/stack/processes.js';
import { emulatorClient } from '../../emulator/stack/pubsub.js';
import { RedisServer } from '../../emulator/stack/redis-server.js';
import { repoRoot } from '../../emulator/stack/repo-root.js';
import { startFunction, startPubSubEmulator, type Service } from '../../emulator/stack/services.js';
import { roleRules, type FunctionRole } from '../../shared/kube/rbac-rules.js';

/** The built functions (`npm run build`), as the Functions Framework loads them. */
export const BUILT_FUNCTIONS = join(repoRoot(), 'dist', 'functions', 'index.js');

export interface ServicesSuite {
  readonly group: ProcessGroup;
  readonly dir: string;
  readonly server: RedisServer;
  /** A client of `server` that gives up at once while it is down. */
  readonly redis: Redis;
  /** The Pub/Sub emulator's host:port, and a client of it for `project`. */
  readonly host: string;
  readonly pubsub: PubSub;
}

/** Starts the services before the describe block's tests (read the fields inside tests and hooks). */
export function servicesForSuite(project: string): ServicesSuite {
  const suite = { group: new ProcessGroup() } as { -readonly [K in keyof ServicesSuite]: ServicesSuite[K] };
  beforeAll(async () => {
    const tools = checkPrerequisites();
    suite.dir = await mkdtemp(join(tmpdir(), 'prescaler-services-'));
    const [emulator, server] = await Promise.all([
      startPubSubEmulator(suite.group, { bin: tools.pubsubEmulator, java: tools.java }),
      RedisServer.start(),
    ]);
    suite.server = server;
    suite.redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    suite.redis.on('error', () => undefined);
    suite.host = emulator.host;
    suite.pubsub = emulatorClient(emulator.host, project);
  }, 60_000);
  afterAll(async () => {
    await suite.pubsub?.close();
    suite.redis?.disconnect();
    await suite.group.stopAll();
    await suite.server?.stop();
    if (suite.dir) await rm(suite.dir, { recursive: true, force: true });
  });
  return suite;
}

/** A Namespace and Deployments in it, as YAML for `KubeEmulator.applyManifest`. */
export function namespaceManifest(namespace: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`;
}

export function deploymentManifest(
  name: string,
  namespace: string,
  replicas: number,
  annotations?: Record<string, string>,
): string {
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'model', image: 'model:1' }] },
      },
    },
  });
}

/** An emulator user holding `role`'s rules (shared/kube/rbac-rules.ts) for Deployments of one namespace. */
export function functionUser(
  name: string,
  role: FunctionRole,
  deployments: string[],
  namespace: string,
): UserSpec {
  return {
    name,
    token: `token-${randomUUID()}`,
    rules: roleRules(role, deployments).map((r) => ({ ...r, namespaces: [namespace] })),
  };
}

/** Writes `{targets}` to `<dir>/registry.json` and returns its path. */
export async function writeRegistry(dir: string, targets: Record<string, unknown>): Promise<string> {
  const file = join(dir, 'registry.json');
  await writeFile(file, JSON.stringify({ targets }));
  return file;
}

/** The built prescale function in a Functions Framework process, on the suite's Redis and Pub/Sub emulator. */
export function startPrescale(
  suite: ServicesSuite,
  registryFile: string,
  prefix: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Service & { readonly url: string }> {
  return startFunction(suite.group, {
    target: 'prescale',
    source: BUILT_FUNCTIONS,
    env: {
      PRESCALER_TARGETS_FILE: registryFile,
      REDIS_URL: suite.server.url,
      PRESCALER_KEY_PREFIX: prefix,
      PUBSUB_EMULATOR_HOST: suite.host,
      ...env,
    },
  });
}
