/**
 * The module's three Memorystore offerings (`redis.kind`): terraform evaluates redis-settings.tf
 * for each kind and the functions' Redis settings come out as the code needs them (cluster client
 * for the sharded offerings, WAIT when replicas exist, an AUTH secret only where an AUTH string
 * exists); the offline checks pass on the module and name the broken block in copies broken on
 * purpose, for each kind.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { checkTerraform } from '../../support/terraform.js';
import { add, copyModule, edit, removeCopies } from '../../support/terraform-copy.js';
import { baseVars, planner, type Plan } from '../../support/terraform-plan.js';
import { onPath } from '../../support/terraform.js';

afterAll(removeCopies);

const SUBNET = 'projects/acme-ml-prod/regions/europe-west1/subnetworks/ml-psc';
const SETTINGS = [
  'redis_mode',
  'redis_wait_replicas',
  'redis_auth_string',
  'redis_service_class',
  'redis_connection_policy',
];
const OUTPUTS = SETTINGS.map((name) => `output "${name}" {\n  value = local.${name}\n}\n`).join('');

interface Redis {
  readonly kind: 'instance' | 'cluster' | 'valkey';
  readonly tier?: string;
  readonly replica_count?: number;
  readonly create_connection_policy?: boolean;
}

/** What the functions need for each offering, written independently of the module. */
function expected(redis: Redis): Record<string, unknown> {
  const sharded = redis.kind !== 'instance';
  const replicas = sharded ? (redis.replica_count ?? 1) : redis.tier === 'BASIC' ? 0 : 1;
  return {
    redis_mode: sharded ? 'cluster' : 'standalone',
    redis_wait_replicas: replicas > 0 ? '1' : '0',
    redis_auth_string: !sharded,
    redis_service_class: { instance: null, cluster: 'gcp-memorystore-redis', valkey: 'gcp-memorystore' }[
      redis.kind
    ],
    redis_connection_policy: sharded && redis.create_connection_policy !== false,
  };
}

const CASES: readonly Redis[] = [
  { kind: 'instance' },
  { kind: 'instance', tier: 'BASIC' },
  { kind: 'cluster' },
  { kind: 'cluster', replica_count: 0 },
  { kind: 'cluster', replica_count: 2, create_connection_policy: false },
  { kind: 'valkey' },
  { kind: 'valkey', replica_count: 0 },
];

function planKind(plan: (vars: Record<string, unknown>) => Plan, redis: Redis): Plan {
  const vars = baseVars();
  vars.redis = redis.kind === 'instance' ? redis : { ...redis, psc_subnetwork: SUBNET };
  return plan(vars);
}

describe('the functions settings for each redis.kind, evaluated by terraform', () => {
  if (onPath('terraform')) {
    const module = planner(['variables.tf', 'registry.tf', 'redis-settings.tf'], OUTPUTS);
    afterAll(module.remove);

    it.each(CASES)('sets what $kind needs (%o)', (redis) => {
      const result = planKind(module.plan, redis);
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.outputs).toEqual(expected(redis));
    });

    it.each<{ breakage: string; from: string; to: string; redis: Redis }>([
      {
        breakage: 'valkey run with the standalone client',
        from: 'local.redis_kind == "instance" ? "standalone" : "cluster"',
        to: 'local.redis_kind == "cluster" ? "cluster" : "standalone"',
        redis: { kind: 'valkey' },
      },
      {
        breakage: 'a cluster with replicas acknowledged without WAIT',
        from: ': var.redis.replica_count',
        to: ': 0',
        redis: { kind: 'cluster' },
      },
      {
        breakage: 'a Redis Cluster connection policy of the Valkey service class',
        from: 'cluster  = "gcp-memorystore-redis"',
        to: 'cluster  = "gcp-memorystore"',
        redis: { kind: 'cluster' },
      },
      {
        breakage: 'an AUTH secret expected from Valkey',
        from: 'redis_auth_string = local.redis_kind == "instance"',
        to: 'redis_auth_string = local.redis_kind != "cluster"',
        redis: { kind: 'valkey' },
      },
    ])('a copy with $breakage does not give what the kind needs', ({ from, to, redis }) => {
      const broken = planner(['variables.tf', 'registry.tf', 'redis-settings.tf'], OUTPUTS);
      try {
        edit(broken.dir, 'redis-settings.tf', from, to);
        const result = planKind(broken.plan, redis);
        expect(result.status).toBe(0);
        expect(result.outputs).not.toEqual(expected(redis));
      } finally {
        broken.remove();
      }
    });
  } else {
    it('reports that terraform is absent, so redis-settings.tf was not evaluated', () => {
      console.warn('terraform is not on PATH: redis-settings.tf was not evaluated for each redis.kind.');
      expect(spawnSync('terraform', ['version']).error).toBeDefined();
    });
  }
});

describe('Memorystore checks on deliberately broken copies', () => {
  const cases: Array<{ kind: string; breakage: string; mutate: (dir: string) => void; expected: RegExp }> = [
    {
      kind: 'instance',
      breakage: 'the instance created whatever the kind',
      mutate: (dir) =>
        edit(dir, 'redis.tf', 'count = local.redis_kind == "instance" ? 1 : 0\n\n  project ', 'project '),
      expected: /^google_redis_instance\.cache: count does not follow redis\.kind == "instance"$/,
    },
    {
      kind: 'instance',
      breakage: 'the AUTH secret passed for every kind',
      mutate: (dir) =>
        edit(
          dir,
          'functions.tf',
          /dynamic "secret_environment_variables" \{\n\s*for_each = [^\n]*\n\s*content \{([^}]*)\}\n\s*\}/,
          'secret_environment_variables {$1}',
        ),
      expected: /^google_cloudfunctions2_function\.prescale: REDIS_AUTH is set for every kind/,
    },
    {
      kind: 'cluster',
      breakage: 'a Redis Cluster without TLS',
      mutate: (dir) =>
        edit(
          dir,
          'redis-cluster.tf',
          '"TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION"',
          '"TRANSIT_ENCRYPTION_MODE_DISABLED"',
        ),
      expected:
        /^google_redis_cluster\.cache: transit_encryption_mode is TRANSIT_ENCRYPTION_MODE_DISABLED, expected TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION$/,
    },
    {
      kind: 'cluster',
      breakage: 'a Redis Cluster requiring IAM tokens the functions do not send',
      mutate: (dir) => edit(dir, 'redis-cluster.tf', '"AUTH_MODE_DISABLED"', '"AUTH_MODE_IAM_AUTH"'),
      expected:
        /^google_redis_cluster\.cache: authorization_mode is AUTH_MODE_IAM_AUTH, expected AUTH_MODE_DISABLED$/,
    },
    {
      kind: 'cluster',
      breakage: 'a Redis Cluster created before its connection policy',
      mutate: (dir) =>
        edit(
          dir,
          'redis-cluster.tf',
          /(psc_configs \{\n\s*network = var\.network\n\s*\}\n)\n\s*depends_on = [^\n]*\n/,
          '$1',
        ),
      expected:
        /^google_redis_cluster\.cache: does not depend on the google_network_connectivity_service_connection_policy$/,
    },
    {
      kind: 'cluster',
      breakage: 'no URL for a Redis Cluster',
      mutate: (dir) =>
        edit(dir, 'redis.tf', /\[for r in google_redis_cluster\.cache : \{[\s\S]*?\}\],\n/, ''),
      expected: /^local\.redis_endpoints: no endpoint from google_redis_cluster\.cache$/,
    },
    {
      kind: 'valkey',
      breakage: 'Valkey without TLS',
      mutate: (dir) =>
        edit(
          dir,
          'redis-cluster.tf',
          /(authorization_mode\s+= "AUTH_DISABLED"\n\s*transit_encryption_mode\s+= )"SERVER_AUTHENTICATION"/,
          '$1"TRANSIT_ENCRYPTION_DISABLED"',
        ),
      expected:
        /^google_memorystore_instance\.cache: transit_encryption_mode is TRANSIT_ENCRYPTION_DISABLED, expected SERVER_AUTHENTICATION$/,
    },
    {
      kind: 'valkey',
      breakage: 'Valkey with cluster mode disabled under the cluster client',
      mutate: (dir) => edit(dir, 'redis-cluster.tf', '"CLUSTER"', '"CLUSTER_DISABLED"'),
      expected: /^google_memorystore_instance\.cache: mode is CLUSTER_DISABLED, expected CLUSTER$/,
    },
    {
      kind: 'valkey',
      breakage: 'Valkey endpoints on another network',
      mutate: (dir) =>
        edit(
          dir,
          'redis-cluster.tf',
          /(desired_auto_created_endpoints \{\n\s*network\s+= )var\.network/,
          '$1"projects/other/global/networks/default"',
        ),
      expected: /^google_memorystore_instance\.cache: endpoints are not on var\.network$/,
    },
    {
      kind: 'valkey',
      breakage: 'no connection policy',
      mutate: (dir) =>
        edit(
          dir,
          'redis-cluster.tf',
          /resource "google_network_connectivity_service_connection_policy" "redis" \{[\s\S]*?\n\}\n/,
          '',
        ),
      expected:
        /^google_network_connectivity_service_connection_policy: 0 resources; cluster and valkey need one$/,
    },
    {
      kind: 'cluster and valkey',
      breakage: 'REDIS_MODE fixed to standalone',
      mutate: (dir) =>
        edit(dir, 'functions.tf', 'REDIS_MODE              = local.redis_mode', 'REDIS_MODE = "standalone"'),
      expected:
        /^google_cloudfunctions2_function\.reconcile: REDIS_MODE is "standalone", expected \$\{local\.redis_mode\}/,
    },
    {
      kind: 'every kind',
      breakage: 'REDIS_WAIT_REPLICAS fixed to 0',
      mutate: (dir) =>
        edit(
          dir,
          'functions.tf',
          'REDIS_WAIT_REPLICAS     = local.redis_wait_replicas',
          'REDIS_WAIT_REPLICAS = "0"',
        ),
      expected: /^google_cloudfunctions2_function\.prescale: REDIS_WAIT_REPLICAS is "0", expected/,
    },
    {
      kind: 'every kind',
      breakage: 'a second Redis Cluster',
      mutate: (dir) =>
        add(
          dir,
          'extra.tf',
          'resource "google_redis_cluster" "extra" {\n  count = local.redis_kind == "cluster" ? 1 : 0\n}\n',
        ),
      expected: /^google_redis_cluster: 2 resources; redis\.kind cluster needs one$/,
    },
  ];

  it.each(cases)('$kind: reports $breakage', async ({ mutate, expected: wanted }) => {
    const dir = copyModule();
    mutate(dir);
    expect(await checkTerraform(dir)).toEqual(expect.arrayContaining([expect.stringMatching(wanted)]));
  });
});
