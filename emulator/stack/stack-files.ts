/**
 * The files the stack writes into its directory for the emulator, the functions and a shell: the
 * RBAC users (one per function, holding that function's Role), a kubeconfig per user, the sample
 * manifests with their times scaled, a registry per function, and the `env` file that
 * `source .stack/env` reads.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ENV } from '../../shared/config/env.js';
import { parseRegistry } from '../../shared/config/registry.js';
import { FUNCTION_ROLES } from '../../shared/kube/rbac-rules.js';
import type { KubeEmulator } from '../kube/index.js';
import type { StackInfo } from './stack.js';
import {
  functionRules,
  manifestStartupSeconds,
  scaleManifest,
  stackRegistry,
  type StackTarget,
  type TimeScale,
} from './targets.js';

/** The stack's users for the two functions: each holds its function's Role (shared/kube/rbac-rules.ts). */
export const FUNCTION_USERS = { prescale: 'prescaler-prescale', reconcile: 'prescaler-reconcile' } as const;

/** Clears what an earlier stack wrote (logs, manifests), never the directory as a whole. */
export async function prepareDir(dir: string): Promise<{ logsDir: string }> {
  for (const old of ['logs', 'manifests']) await rm(join(dir, old), { recursive: true, force: true });
  const logsDir = join(dir, 'logs');
  await mkdir(logsDir, { recursive: true });
  await mkdir(join(dir, 'manifests'), { recursive: true });
  return { logsDir };
}

/** The emulator's users file: a user with a fresh token and its function's rules per function. */
export async function writeRbac(dir: string, targets: readonly StackTarget[]): Promise<string> {
  const rbacFile = join(dir, 'rbac.yaml');
  await writeFile(
    rbacFile,
    stringify({
      users: FUNCTION_ROLES.map((role) => ({
        name: FUNCTION_USERS[role],
        token: `${FUNCTION_USERS[role]}-${randomBytes(12).toString('hex')}`,
        rules: functionRules(targets, role),
      })),
    }),
  );
  return rbacFile;
}

export interface Kubeconfigs {
  /** The emulator's admin, for kubectl and the `prescaler` command. */
  readonly kubeconfig: string;
  readonly prescale: string;
  readonly reconcile: string;
}

export async function writeKubeconfigs(kube: KubeEmulator, dir: string): Promise<Kubeconfigs> {
  const files = {
    kubeconfig: join(dir, 'kubeconfig'),
    prescale: join(dir, 'kubeconfig-prescale'),
    reconcile: join(dir, 'kubeconfig-reconcile'),
  };
  await kube.writeKubeconfig(files.kubeconfig);
  await kube.writeKubeconfig(files.prescale, FUNCTION_USERS.prescale);
  await kube.writeKubeconfig(files.reconcile, FUNCTION_USERS.reconcile);
  return files;
}

/**
 * Writes the targets' sample manifests with their times scaled into `<dir>/manifests` and
 * returns each target's startup seconds (read from its unscaled manifest).
 */
export async function writeManifests(
  root: string,
  dir: string,
  targets: readonly StackTarget[],
  scale: TimeScale,
): Promise<Map<string, number>> {
  const startup = new Map<string, number>();
  const manifestsDir = join(root, 'emulator', 'kube', 'manifests');
  for (const target of targets) {
    const text = await readFile(join(manifestsDir, target.manifest), 'utf8');
    startup.set(target.name, manifestStartupSeconds(text, target.deployment));
    await writeFile(join(dir, 'manifests', target.manifest), scaleManifest(text, target, scale));
  }
  return startup;
}

/** One registry per function, each naming the kubeconfig of that function's user. */
export async function writeRegistries(
  dir: string,
  targets: readonly StackTarget[],
  startup: ReadonlyMap<string, number>,
  scale: TimeScale,
  kubeconfigs: Kubeconfigs,
): Promise<{ prescale: string; reconcile: string }> {
  const files = { prescale: join(dir, 'registry.json'), reconcile: join(dir, 'registry-reconcile.json') };
  for (const fn of ['prescale', 'reconcile'] as const) {
    const registry = stackRegistry(targets, startup, scale, kubeconfigs[fn]);
    parseRegistry(registry);
    await writeFile(files[fn], JSON.stringify(registry, null, 2) + '\n');
  }
  return files;
}

/** `source .stack/env` gives a shell what the `prescaler` command needs to reach the stack. */
export function envFileText(info: StackInfo): string {
  return [
    `export ${ENV.targetsFile}=${info.registryFile}`,
    `export ${ENV.redisUrl}=${info.redisUrl}`,
    `export PUBSUB_EMULATOR_HOST=${info.pubsubHost}`,
    `export PUBSUB_PROJECT_ID=${info.projectId}`,
    `export PRESCALER_TOPIC=${info.topic}`,
    `export KUBECONFIG=${info.kubeconfig}`,
    `export RECONCILE_URL=${info.reconcileUrl}`,
    '',
  ].join('\n');
}
