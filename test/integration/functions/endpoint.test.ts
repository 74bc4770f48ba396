/**
 * The reconcile endpoint as deployed: a Functions Framework process, a redis-server that
 * requires a password, the Kubernetes API emulator with the reconcile Role. REDIS_URL carries a
 * username, the password and database 3, and is honoured exactly (the pass writes to database 3
 * and nowhere else); a bad query string is a 400 (or 404) naming the parameter, the value and what
 * is allowed, and writes nothing; no log line of the run shows the password, and neither does the
 * `config_invalid` line of an instance whose REDIS_URL is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { KubeEmulator } from '../../../emulator/kube/index.js';
import { ProcessGroup } from '../../../emulator/stack/processes.js';
import { startFunction } from '../../../emulator/stack/services.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';
import {
  BUILT_FUNCTIONS,
  deploymentManifest,
  functionUser,
  namespaceManifest,
  writeRegistry,
} from '../../support/services-suite.js';

const NS = 'tf-serving';
const DEPLOYMENT = 'resnet';
const TARGET = 'acme/resnet/v1';
const USER = 'prescaler-reconcile@acme.iam.gserviceaccount.com';
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;

describe('the reconcile endpoint (Functions Framework, password-protected Redis, API emulator)', () => {
  const group = new ProcessGroup();
  const lines: string[] = [];
  let dir: string;
  let server: RedisServer;
  let admin: Redis;
  let kube: KubeEmulator;
  let url: string;
  let registryFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prescaler-endpoint-'));
    server = await RedisServer.start(['--requirepass', PASSWORD]);
    admin = new Redis({ port: server.port, password: PASSWORD, maxRetriesPerRequest: 1 });
    kube = await KubeEmulator.start({ rbac: [functionUser(USER, 'reconcile', [DEPLOYMENT], NS)] });
    kube.applyManifest(namespaceManifest(NS));
    kube.applyManifest(deploymentManifest(DEPLOYMENT, NS, 2));
    const kubeconfig = join(dir, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfig, USER);
    registryFile = await writeRegistry(dir, {
      [TARGET]: {
        cluster: { kubeconfig },
        namespace: NS,
        deployment: DEPLOYMENT,
        imagesPerReplica: 1,
        maxReplicas: 4,
      },
    });
    const fn = await startFunction(group, {
      target: 'reconcile',
      source: BUILT_FUNCTIONS,
      env: {
        PRESCALER_TARGETS_FILE: registryFile,
        REDIS_URL: `redis://default:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/3`,
      },
    });
    fn.child.onLine((line) => lines.push(line));
    url = fn.url;
  });

  afterAll(async () => {
    admin.disconnect();
    await group.stopAll();
    await kube.stop();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function keysIn(db: number): Promise<number> {
    await admin.select(db);
    return admin.dbsize();
  }

  /** Every key of database 3 with its serialized value: equal snapshots mean nothing was written. */
  async function snapshot(): Promise<Record<string, string>> {
    await admin.select(3);
    const keys = (await admin.keys('*')).sort();
    const values = await Promise.all(keys.map((k) => admin.dumpBuffer(k)));
    return Object.fromEntries(keys.map((k, i) => [k, values[i]?.toString('hex') ?? '']));
  }

  it.each([
    ['?dryRun=1', 400, 'dryRun', '1', ['true', 'false']],
    ['?dryRun=TRUE', 400, 'dryRun', 'TRUE', ['true', 'false']],
    ['?dryRun=true&dryRun=false', 400, 'dryRun', ['true', 'false'], 'at most once'],
    [`?target=${TARGET}&target=acme/other/v1`, 400, 'target', [TARGET, 'acme/other/v1'], 'at most once'],
    ['?target=acme/other/v1', 404, 'target', 'acme/other/v1', [TARGET]],
    ['?dryrun=true', 400, 'dryrun', ['true'], ['dryRun', 'target']],
  ])(
    'refuses %s with %i, naming the parameter, the value and what is allowed',
    async (query, status, parameter, value, allowed) => {
      const before = await snapshot();
      const response = await fetch(`${url}/${query}`, { method: 'POST' });
      expect(response.status).toBe(status);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ parameter, value, allowed });
      expect(String(body.error)).toContain(parameter);
      expect(await snapshot()).toEqual(before);
      expect(await keysIn(0)).toBe(0);
    },
  );

  it('runs a pass that writes to database 3 only, and logs no password', async () => {
    const response = await fetch(`${url}/?dryRun=false&target=${encodeURIComponent(TARGET)}`, {
      method: 'POST',
    });
    const report = (await response.json()) as { ok: boolean; targets: Array<{ action: string }> };
    expect(response.status).toBe(200);
    expect(report.ok).toBe(true);
    expect(await keysIn(3)).toBeGreaterThan(0);
    expect(await keysIn(0)).toBe(0);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(PASSWORD);
  });

  it('logs config_invalid for a refused REDIS_URL with the password redacted', async () => {
    const own: string[] = [];
    const fn = await startFunction(group, {
      target: 'reconcile',
      source: BUILT_FUNCTIONS,
      env: {
        PRESCALER_TARGETS_FILE: registryFile,
        REDIS_URL: `redis://worker:${PASSWORD}@127.0.0.1:${server.port}/three`,
      },
    });
    fn.child.onLine((line) => own.push(line));
    const response = await fetch(`${fn.url}/`, { method: 'POST' });
    expect(response.status).toBe(500);
    // The log line and the response leave the process separately: wait for the line.
    for (let i = 0; i < 100 && !own.some((line) => line.includes('"config_invalid"')); i++) await sleep(20);
    const invalid = own.find((line) => line.includes('"config_invalid"'));
    expect(invalid).toContain('REDIS_URL = \\"redis://worker:***@127.0.0.1');
    expect(invalid).toContain('is not a database number');
    for (const line of own) expect(line).not.toContain(PASSWORD);
  });
});
