/**
 * The files the stack writes: its directory cleared of what an earlier stack wrote (and nothing
 * else), the scaled manifests with each target's startup read from the original, one registry
 * per function naming that function's kubeconfig, and the env file a shell sources.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRegistry } from '../../../../shared/config/registry.js';
import { repoRoot } from '../../../../emulator/stack/repo-root.js';
import {
  envFileText,
  prepareDir,
  writeManifests,
  writeRegistries,
} from '../../../../emulator/stack/stack-files.js';
import type { StackInfo } from '../../../../emulator/stack/stack.js';
import { STACK_TARGETS, TimeScale } from '../../../../emulator/stack/targets.js';

const made: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'prescaler-stack-files-'));
  made.push(dir);
  return dir;
};

describe('stack files', () => {
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('clears the logs and manifests of an earlier stack, and keeps everything else', async () => {
    const dir = fresh();
    await mkdir(join(dir, 'logs'), { recursive: true });
    await writeFile(join(dir, 'logs', 'old.log'), 'old');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    expect(await prepareDir(dir)).toEqual({ logsDir: join(dir, 'logs') });
    expect(existsSync(join(dir, 'logs', 'old.log'))).toBe(false);
    expect(existsSync(join(dir, 'manifests'))).toBe(true);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('writes scaled manifests and one registry per function, each with its own kubeconfig', async () => {
    const dir = fresh();
    await prepareDir(dir);
    const scale = new TimeScale(10);
    const startup = await writeManifests(repoRoot(), dir, STACK_TARGETS, scale);
    expect([...startup.keys()]).toEqual(STACK_TARGETS.map((t) => t.name));
    for (const t of STACK_TARGETS) expect(existsSync(join(dir, 'manifests', t.manifest))).toBe(true);
    const kubeconfigs = { kubeconfig: '/k/admin', prescale: '/k/prescale', reconcile: '/k/reconcile' };
    const files = await writeRegistries(dir, STACK_TARGETS, startup, scale, kubeconfigs);
    for (const fn of ['prescale', 'reconcile'] as const) {
      const registry = parseRegistry(JSON.parse(readFileSync(files[fn], 'utf8')));
      expect(registry.targets.map((t) => t.cluster)).toEqual(
        STACK_TARGETS.map(() => expect.objectContaining({ kubeconfig: kubeconfigs[fn] })),
      );
    }
  });

  it('gives a shell what the prescaler command needs', () => {
    const info = {
      registryFile: '/s/registry.json',
      redisUrl: 'redis://127.0.0.1:1234',
      pubsubHost: '127.0.0.1:8085',
      projectId: 'p',
      topic: 'events',
      kubeconfig: '/s/kubeconfig',
      reconcileUrl: 'http://127.0.0.1:9/',
    } as StackInfo;
    expect(envFileText(info).split('\n')).toEqual([
      'export PRESCALER_TARGETS_FILE=/s/registry.json',
      'export REDIS_URL=redis://127.0.0.1:1234',
      'export PUBSUB_EMULATOR_HOST=127.0.0.1:8085',
      'export PUBSUB_PROJECT_ID=p',
      'export PRESCALER_TOPIC=events',
      'export KUBECONFIG=/s/kubeconfig',
      'export RECONCILE_URL=http://127.0.0.1:9/',
      '',
    ]);
  });
});
