/**
 * Terraform and the code agree: the functions' entry points are the ones the code exports, the
 * environment Terraform sets is exactly what the code reads, and the example registry, rendered
 * the way the module renders it ({targets: ...}), passes the code's own registry parser.
 */
import { describe, expect, it } from '@jest/globals';
import { ENV, FUNCTION_ENTRY_POINTS } from '../../../shared/config/env.js';
import { ConfigError } from '../../../shared/errors.js';
import { parseRegistry } from '../../../shared/config/registry.js';
import {
  block,
  loadTerraform,
  parseHclFile,
  renderRegistry,
  resources,
  text,
  type Hcl,
} from '../../support/terraform.js';
import { functionEnv } from '../../support/terraform-redis.js';

const MODULE = 'terraform';
const EXAMPLE = 'terraform/examples/complete';
const TFVARS = `${EXAMPLE}/terraform.tfvars.example`;
const ENV_NAMES: readonly string[] = Object.values(ENV);

async function moduleFunctions(): Promise<{
  hcl: Hcl;
  byEntry: Map<string, ReturnType<typeof resources>[number]>;
}> {
  const hcl = await loadTerraform(MODULE);
  const byEntry = new Map(
    resources(hcl, 'google_cloudfunctions2_function').map((fn) => [
      text(block(fn.body, 'build_config'), 'entry_point') ?? '',
      fn,
    ]),
  );
  return { hcl, byEntry };
}

async function exampleTargets(): Promise<Record<string, unknown>> {
  const tfvars = await parseHclFile(TFVARS);
  const targets = tfvars.targets;
  if (targets === null || typeof targets !== 'object' || Array.isArray(targets)) {
    throw new Error(`${TFVARS}: no targets map`);
  }
  return targets as Record<string, unknown>;
}

/** The value of `${local.x}`, or the value itself when it is not a plain local reference. */
function resolve(hcl: Hcl, value: unknown): string {
  const name = /^\$\{local\.([A-Za-z0-9_]+)\}$/.exec(String(value))?.[1];
  return String(name === undefined ? value : hcl.locals[name]);
}

/** Every object key used anywhere below `value` (map keys of `targets` itself excluded by the caller). */
function keysUsed(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysUsed(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      keysUsed(v, out);
    }
  }
  return out;
}

describe('terraform and the code', () => {
  it('deploys exactly the entry points functions/index.ts exports', async () => {
    const { byEntry } = await moduleFunctions();
    expect([...byEntry.keys()].sort()).toEqual(Object.values(FUNCTION_ENTRY_POINTS).sort());
  });

  it('triggers prescale from Pub/Sub and reconcile over HTTP', async () => {
    const { byEntry } = await moduleFunctions();
    const prescale = byEntry.get(FUNCTION_ENTRY_POINTS.prescale);
    const reconcile = byEntry.get(FUNCTION_ENTRY_POINTS.reconcile);
    expect(text(block(prescale?.body, 'event_trigger'), 'event_type')).toBe(
      'google.cloud.pubsub.topic.v1.messagePublished',
    );
    expect(text(block(prescale?.body, 'event_trigger'), 'pubsub_topic')).toContain(
      'google_pubsub_topic.events',
    );
    expect(block(reconcile?.body, 'event_trigger')).toBeUndefined();
    expect(text(block(reconcile?.body, 'service_config'), 'ingress_settings')).not.toBe(
      'ALLOW_INTERNAL_ONLY',
    );
    expect(text(block(prescale?.body, 'build_config'), 'runtime')).toBe('${var.functions.runtime}');
  });

  it('gives prescale the configured concurrency and the CPU Cloud Run requires for it', async () => {
    const { byEntry } = await moduleFunctions();
    const service = block(byEntry.get(FUNCTION_ENTRY_POINTS.prescale)?.body, 'service_config');
    expect(text(service, 'max_instance_request_concurrency')).toBe('${var.functions.prescale.concurrency}');
    expect(text(service, 'available_cpu')).toBe('${var.functions.prescale.cpu}');
  });

  it('sets only environment variables the code reads', async () => {
    const { hcl, byEntry } = await moduleFunctions();
    for (const fn of byEntry.values()) {
      const { plain, secret } = functionEnv(hcl, fn);
      const names = [...Object.keys(plain), ...secret];
      expect(names.filter((name) => !ENV_NAMES.includes(name))).toEqual([]);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('sets what the code requires on both functions: registry, Redis URL, AUTH (secret), CA', async () => {
    const { hcl, byEntry } = await moduleFunctions();
    for (const entry of Object.values(FUNCTION_ENTRY_POINTS)) {
      const fn = byEntry.get(entry);
      expect(fn).toBeDefined();
      if (!fn) continue;
      const { plain, secret } = functionEnv(hcl, fn);
      expect(Object.keys(plain)).toEqual(
        expect.arrayContaining([ENV.targets, ENV.redisUrl, ENV.redisCaCert]),
      );
      expect(secret).toEqual([ENV.redisAuth]);
      expect(plain[ENV.targetsFile]).toBeUndefined();
      expect(resolve(hcl, plain[ENV.redisUrl])).toMatch(/^rediss:\/\/\$\{local\.redis_endpoint\.host\}:/);
      expect(resolve(hcl, plain[ENV.redisCaCert])).toContain('local.redis_endpoint.ca');
      expect(plain[ENV.redisMode]).toBe('${local.redis_mode}');
      expect(plain[ENV.redisWaitReplicas]).toBe('${local.redis_wait_replicas}');
      expect(plain[ENV.targets]).toBe('${local.targets_json}');
    }
    const prescale = byEntry.get(FUNCTION_ENTRY_POINTS.prescale);
    expect(prescale && functionEnv(hcl, prescale).plain[ENV.rejectsTopic]).toContain(
      'google_pubsub_topic.rejects',
    );
  });

  it('renders the registry as a plain jsonencode of {targets = ...}', async () => {
    const { hcl } = await moduleFunctions();
    expect(String(hcl.locals.targets_json)).toMatch(
      /^\$\{jsonencode\(\{\s*targets\s*=\s*local\.registry\s*\}\)\}$/,
    );
  });

  it('uses in the example registry only attributes the targets variable declares', async () => {
    const { hcl } = await moduleFunctions();
    const type = text(hcl.variable.targets, 'type') ?? '';
    const declared = new Set([...type.matchAll(/([A-Za-z]+)\s*=/g)].map((m) => m[1] ?? ''));
    const targets = await exampleTargets();
    const used = keysUsed(Object.values(targets));
    // Terraform silently drops attributes an object type does not declare: a misspelt key would vanish.
    expect([...used].filter((key) => !declared.has(key))).toEqual([]);
    expect([...declared].filter((key) => !used.has(key))).toEqual([]);
  });

  it('renders the example targets into a registry the code accepts', async () => {
    const targets = await exampleTargets();
    const registry = parseRegistry(renderRegistry(targets));
    expect(registry.names.sort()).toEqual(Object.keys(targets).sort());
    const resnet = registry.get('acme/resnet101/v1');
    expect(resnet?.deployment).toBe('image-classifier-resnet101');
    expect(resnet?.scaleIn.policies).toEqual([{ type: 'Percent', value: 50, periodSeconds: 30 }]);
  });

  it('would catch a bad example: the parser names the target and key', async () => {
    const targets = await exampleTargets();
    const broken = JSON.parse(JSON.stringify(targets)) as Record<string, Record<string, unknown>>;
    const first = broken['acme/resnet101/v1'];
    if (!first) throw new Error('the example lost acme/resnet101/v1');
    first.imagesPerReplica = 0;
    let thrown: unknown;
    try {
      parseRegistry(renderRegistry(broken));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(/acme\/resnet101\/v1.*imagesPerReplica/);
  });

  it('wires every required module variable and only existing outputs in the complete example', async () => {
    const [moduleHcl, example] = await Promise.all([loadTerraform(MODULE), loadTerraform(EXAMPLE)]);
    const call = example.module.prescaler;
    expect(call?.source).toBe('../..');
    const passed = Object.keys(call ?? {}).filter((k) => !['source', 'providers', 'depends_on'].includes(k));
    const required = Object.entries(moduleHcl.variable)
      .filter(([, body]) => !('default' in body))
      .map(([name]) => name);
    expect(required.filter((name) => !passed.includes(name))).toEqual([]);
    expect(passed.filter((name) => !(name in moduleHcl.variable))).toEqual([]);
    const outputsUsed = [...JSON.stringify(example.output).matchAll(/module\.prescaler\.([a-z_]+)/g)].map(
      (m) => m[1] ?? '',
    );
    expect(outputsUsed.length).toBeGreaterThan(0);
    expect(outputsUsed.filter((name) => !(name in moduleHcl.output))).toEqual([]);
    expect(example.data.google_container_cluster).toBeDefined();
    expect(example.data.google_client_config).toBeDefined();
  });

  it('gives the example tfvars everything the example requires but the build sets', async () => {
    const example = await loadTerraform(EXAMPLE);
    const tfvars = await parseHclFile(TFVARS);
    const fromBuild = ['project_id', 'region', 'source_archive'];
    const required = Object.entries(example.variable)
      .filter(([, body]) => !('default' in body))
      .map(([name]) => name)
      .filter((name) => !fromBuild.includes(name));
    expect(required.filter((name) => !(name in tfvars))).toEqual([]);
    expect(Object.keys(tfvars).filter((name) => !(name in example.variable))).toEqual([]);
  });
});
