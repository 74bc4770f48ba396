/**
 * The deployable artifact (scripts/bundle.ts): it holds production code only (no emulator, stack,
 * CLI, bench or test module, none of their packages), carries the Lua scripts inside, lists only
 * the production dependencies, and, with nothing but those installed beside it, loads under the
 * Functions Framework, answers the stack's readiness probe without an error in its log, and
 * serves an event: the Deployment is scaled over HTTPS and the batch is registered in Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { KubeEmulator } from '../../../emulator/kube/index.js';
import { ProcessGroup } from '../../../emulator/stack/processes.js';
import { startFunction } from '../../../emulator/stack/services.js';
import { LUA_SCRIPTS, luaSource } from '../../../shared/redis/lua-source.js';
import { Ledger } from '../../../shared/redis/ledger.js';
import {
  bundleFunctions,
  excludedInputs,
  PRODUCTION_DEPENDENCIES,
  REPO_ROOT,
  type BundleReport,
} from '../../../scripts/bundle.js';
import { installProductionDependencies } from '../../support/artifact.js';
import { RedisServer } from '../../../emulator/stack/redis-server.js';

const T = 'acme/resnet101/v1';
const scratch = mkdtempSync(join(tmpdir(), 'prescaler-artifact-'));
const artifact = join(scratch, 'function');
let report: BundleReport;
let installed: string[];

beforeAll(async () => {
  report = await bundleFunctions(artifact);
  installed = installProductionDependencies(artifact, REPO_ROOT);
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const outputText = () =>
  Object.keys(report.metafile.outputs)
    .map((file) => readFileSync(join(REPO_ROOT, file), 'utf8'))
    .join('\n');

describe('the function artifact', () => {
  it('bundles no tooling code and none of the tooling packages', () => {
    const inputs = Object.keys(report.metafile.inputs);
    expect(excludedInputs(report.metafile)).toEqual([]);
    for (const banned of ['emulator/', 'bench/', 'test/', 'cli/', 'scripts/']) {
      expect(inputs.filter((input) => input.startsWith(banned))).toEqual([]);
    }
    for (const pkg of ['yaml', 'node-forge', 'fast-json-patch']) {
      expect(inputs.filter((input) => input.includes(`node_modules/${pkg}/`))).toEqual([]);
      expect(installed.filter((path) => path.endsWith(`node_modules/${pkg}`))).toEqual([]);
    }
    // It does hold the production code and the clients it bundles.
    expect(inputs).toEqual(expect.arrayContaining(['functions/index.ts', 'functions/prescale.ts']));
    expect(inputs.some((input) => input.includes('node_modules/@kubernetes/client-node/'))).toBe(true);
    expect(inputs.some((input) => input.includes('node_modules/ioredis/'))).toBe(true);
    expect(report.modules).toBe(inputs.length);
  });

  it('carries the Lua scripts inside, reading no .lua file at run time', () => {
    const text = outputText();
    for (const name of LUA_SCRIPTS) {
      const lines = luaSource(name)
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 20 && !/[\\`'"$]/.test(line));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(text).toContain(line);
    }
    expect(text).not.toContain('./scripts/');
    expect(readdirSync(artifact, { recursive: true }).filter((f) => String(f).endsWith('.lua'))).toEqual([]);
  });

  it('lists exactly its production dependencies, the Functions Framework among them', () => {
    const pkg = JSON.parse(readFileSync(join(artifact, 'package.json'), 'utf8')) as {
      main: string;
      type: string;
      dependencies: Record<string, string>;
      devDependencies?: unknown;
      scripts?: unknown;
    };
    expect(pkg.main).toBe('index.js');
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...PRODUCTION_DEPENDENCIES].sort());
    expect(pkg.dependencies).toHaveProperty('@google-cloud/functions-framework');
    expect(pkg.devDependencies).toBeUndefined();
    // Only the build step that fills the compile cache with the deployment's own Node.
    expect(pkg.scripts).toEqual({ 'gcp-build': 'node prime-compile-cache.js' });
  });

  it('loads with only those installed, answers the readiness probe cleanly and scales on an event', async () => {
    const redis = await RedisServer.start();
    const emu = await KubeEmulator.start({ port: 0, tls: true });
    const group = new ProcessGroup();
    const client = new Redis(redis.url, { lazyConnect: true });
    try {
      emu.applyManifest(`apiVersion: apps/v1
kind: Deployment
metadata: { name: resnet, namespace: ml }
spec:
  replicas: 1
  selector: { matchLabels: { app: resnet } }
  template:
    metadata: { labels: { app: resnet } }
    spec: { containers: [{ name: main, image: model }] }`);
      const kubeconfig = join(scratch, 'kubeconfig');
      await emu.writeKubeconfig(kubeconfig);
      const registry = join(scratch, 'registry.json');
      writeFileSync(
        registry,
        JSON.stringify({
          targets: {
            [T]: {
              cluster: { kubeconfig },
              namespace: 'ml',
              deployment: 'resnet',
              imagesPerReplica: 4,
              maxReplicas: 20,
            },
          },
        }),
      );
      const log = join(scratch, 'prescale.log');
      const fn = await startFunction(group, {
        target: 'prescale',
        source: artifact,
        frameworkMain: join(artifact, 'node_modules/@google-cloud/functions-framework/build/src/main.js'),
        env: { PRESCALER_TARGETS_FILE: registry, REDIS_URL: redis.url, PRESCALER_KEY_PREFIX: 'art' },
        logFile: log,
      });
      const message = {
        data: Buffer.from(JSON.stringify({ target: T, batchId: 'a1', images: 20 })).toString('base64'),
      };
      const response = await fetch(fn.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ce-id': 'a1',
          'ce-specversion': '1.0',
          'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
          'ce-source': '//pubsub.googleapis.com/projects/p/topics/events',
        },
        body: JSON.stringify({ message }),
      });
      // On a failure, the function's log says why.
      expect({ ok: response.ok, log: response.ok ? '' : readFileSync(log, 'utf8') }).toEqual({
        ok: true,
        log: '',
      });
      expect(emu.getDeployment('ml', 'resnet')?.spec.replicas).toBe(5);
      await client.connect();
      expect(await client.hget(new Ledger('art').keys(T).total, 'a1')).toBe('20');
      await group.stopAll();
      const lines = readFileSync(log, 'utf8');
      expect(lines).toContain('scaled acme/resnet101/v1 1 -> 5');
      expect(lines).not.toMatch(/TypeError|Error:|"severity":"(ERROR|WARNING)"/);
    } finally {
      client.disconnect();
      await group.stopAll();
      await emu.stop();
      await redis.stop();
    }
  });
});
