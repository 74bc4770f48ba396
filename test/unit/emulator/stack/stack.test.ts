/**
 * The local stack's pure parts: the time scale and what it scales (manifests, registry), the
 * functions' RBAC rules, the prerequisites check, parsing the functions' log lines, and the
 * options of `npm start` / `npm run demo`.
 */
import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseRegistry } from '../../../../shared/config/registry.js';
import { roleRules } from '../../../../shared/kube/rbac-rules.js';
import { annotations } from '../../../../emulator/kube/index.js';
import { parseDecision } from '../../../../emulator/stack/decisions.js';
import { checkPrerequisites, MissingPrerequisites } from '../../../../emulator/stack/prerequisites.js';
import {
  functionRules,
  manifestStartupSeconds,
  scaleManifest,
  stackRegistry,
  STACK_TARGETS,
  TimeScale,
} from '../../../../emulator/stack/targets.js';

const manifests = join(import.meta.dirname, '..', '..', '..', '..', 'emulator', 'kube', 'manifests');
const resnet = STACK_TARGETS[0]!;

describe('TimeScale', () => {
  it('divides real-world seconds, exactly or to whole seconds within a floor', () => {
    const scale = new TimeScale(10);
    expect(scale.ms(30)).toBe(3000);
    expect(scale.seconds(5)).toBe(0.5);
    expect(scale.whole(30, 1)).toBe(3);
    expect(new TimeScale(40).whole(30, 1)).toBe(1); // 0.75 rounds to 1
    expect(new TimeScale(40).whole(900, 30)).toBe(30); // 22.5 is below the registry's floor
  });

  it.each([0, 0.5, 1001, Number.NaN])('refuses %p', (factor) => {
    expect(() => new TimeScale(factor)).toThrow('must be a number from 1 to 1000');
  });
});

describe('stack manifests and registry', () => {
  const text = readFileSync(join(manifests, resnet.manifest), 'utf8');

  it('reads the startup seconds of the sample manifest (model load of 30 s)', () => {
    expect(manifestStartupSeconds(text, resnet.deployment)).toBe(30);
    expect(() => manifestStartupSeconds(text, 'nope')).toThrow('no Deployment "nope"');
  });

  it('scales the emulator annotations and starts at minReplicas', () => {
    const docs = parseAllDocuments(scaleManifest(text, resnet, new TimeScale(10))).map(
      (d) =>
        d.toJS() as {
          kind: string;
          metadata: { name: string; annotations?: Record<string, string> };
          spec?: { replicas: number };
        },
    );
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'Deployment']);
    const deployment = docs[1]!;
    expect(deployment.metadata.annotations?.[annotations.startupSeconds]).toBe('3');
    expect(deployment.metadata.annotations?.[annotations.terminationGraceSeconds]).toBe('1');
    expect(deployment.spec?.replicas).toBe(resnet.minReplicas);
  });

  it('writes a registry the functions accept, with the sample workloads proportions at the time scale', () => {
    const startup = new Map(STACK_TARGETS.map((t) => [t.name, 30]));
    const input = stackRegistry(STACK_TARGETS, startup, new TimeScale(10), '/k/config');
    const registry = parseRegistry(input);
    const spec = registry.get(resnet.name)!;
    expect(spec).toMatchObject({
      cluster: { kubeconfig: '/k/config' },
      startupSeconds: 3,
      secondsPerImage: 0.5,
      scaleIn: {
        stabilizationSeconds: 6,
        policies: [{ type: 'Percent', value: 50, periodSeconds: 3 }],
        staleSeconds: 90,
      },
    });
    expect(registry.size).toBe(STACK_TARGETS.length);
  });

  it('grants each function its own Role, per namespace and Deployment', () => {
    expect(functionRules([resnet], 'prescale')).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments/scale'],
        verbs: ['get', 'update'],
        resourceNames: ['image-classifier-resnet101'],
        namespaces: ['tf-serving'],
      },
    ]);
    const reconcile = functionRules(STACK_TARGETS, 'reconcile');
    for (const t of STACK_TARGETS) {
      expect(reconcile.filter((r) => r.namespaces?.includes(t.namespace))).toEqual(
        roleRules('reconcile', [t.deployment]).map((r) => ({ ...r, namespaces: [t.namespace] })),
      );
    }
  });
});

describe('checkPrerequisites', () => {
  it('names every missing tool with the command that installs it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-tools-'));
    let error: unknown;
    try {
      checkPrerequisites({ PATH: empty, PUBSUB_EMULATOR_BIN: join(empty, 'cloud-pubsub-emulator') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPrerequisites);
    const message = (error as Error).message;
    expect(message).toContain('redis-server, Java 17, the Pub/Sub emulator');
    expect(message).toContain('apt-get install -y redis-server');
    expect(message).toContain('apt-get install -y openjdk-17-jre-headless');
    expect(message).toContain('apt-get install -y google-cloud-cli-pubsub-emulator');
    rmSync(empty, { recursive: true, force: true });
  });

  it('finds the tools on PATH and the emulator where PUBSUB_EMULATOR_BIN says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tools-'));
    for (const name of ['redis-server', 'java', 'emu']) {
      writeFileSync(join(dir, name), '#!/bin/sh\n');
      chmodSync(join(dir, name), 0o755);
    }
    expect(checkPrerequisites({ PATH: dir, PUBSUB_EMULATOR_BIN: join(dir, 'emu') })).toEqual({
      redisServer: join(dir, 'redis-server'),
      java: join(dir, 'java'),
      pubsubEmulator: join(dir, 'emu'),
    });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('parseDecision', () => {
  it('keeps decisions and failures, drops no-change reconcile passes and other output', () => {
    const line = JSON.stringify({
      severity: 'INFO',
      message: 'scaled',
      event: 'prescale',
      target: 'a/b/c',
      from: 0,
      to: 4,
      reason: 'r',
      latencyMs: 12,
    });
    expect(parseDecision(line, 'prescale', 5)).toMatchObject({
      atMs: 5,
      event: 'prescale',
      from: 0,
      to: 4,
      latencyMs: 12,
    });
    expect(
      parseDecision(
        JSON.stringify({ severity: 'DEBUG', event: 'reconcile', target: 'a/b/c' }),
        'reconcile',
        1,
      ),
    ).toBeUndefined();
    expect(
      parseDecision(JSON.stringify({ severity: 'ERROR', event: 'rejected', message: 'bad' }), 'prescale', 1),
    ).toMatchObject({ event: 'rejected' });
    expect(parseDecision('Serving function...', 'prescale', 1)).toBeUndefined();
    expect(parseDecision('{not json', 'prescale', 1)).toBeUndefined();
  });
});
