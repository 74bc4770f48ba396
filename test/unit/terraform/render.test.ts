/**
 * The module's variables and registry rendering, evaluated by terraform itself: variables.tf and
 * registry.tf use no provider, so `terraform plan` runs offline on a copy of them. The example
 * registry must come out as JSON the code's parser accepts, and bad inputs must be refused by the
 * variables' validation blocks, in agreement with the code's parser where both judge a value.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseRegistry } from '../../../shared/config/registry.js';
import { onPath, renderRegistry } from '../../support/terraform.js';
import { baseVars, exampleVars, planner, TFVARS, type Vars } from '../../support/terraform-plan.js';

type Target = Record<string, unknown> & { scaleIn?: Record<string, unknown> };

function target(vars: Vars, key: string): Target {
  const t = (vars.targets as Record<string, Target>)[key];
  if (!t) throw new Error(`the example has no target ${key}`);
  return t;
}

const terraform = onPath('terraform');
const scratch = planner(
  ['variables.tf', 'registry.tf'],
  'output "targets_json" {\n  value = local.targets_json\n}\noutput "functions" {\n  value = var.functions\n}\n',
);
afterAll(scratch.remove);

/** var.functions with its defaults filled in, as terraform evaluates it. */
interface FunctionsVar {
  readonly runtime: string;
  readonly prescale: { readonly concurrency: number; readonly cpu: string };
}

/** `terraform plan` with these variables: exit status, errors, targets_json and var.functions. */
function plan(vars: Vars): {
  status: number | null;
  stderr: string;
  targetsJson?: string;
  functions?: FunctionsVar;
} {
  const { status, stderr, outputs } = scratch.plan(vars);
  return {
    status,
    stderr,
    targetsJson: outputs.targets_json as string | undefined,
    functions: outputs.functions as FunctionsVar | undefined,
  };
}

interface Rejection {
  readonly input: string;
  readonly mutate: (vars: Vars) => void;
  /** A phrase of the validation's error_message. */
  readonly message: string;
  /** Whether the code's registry parser refuses it too (undefined: not a registry value). */
  readonly codeRejects?: boolean;
}

const SUBNET = 'projects/acme-ml-prod/regions/europe-west1/subnetworks/ml-psc';

const REJECTIONS: readonly Rejection[] = [
  {
    input: 'imagesPerReplica 0',
    mutate: (v) => (target(v, 'acme/resnet101/v1').imagesPerReplica = 0),
    message: 'imagesPerReplica must be an integer from 1 to 10000',
    codeRejects: true,
  },
  {
    input: 'minReplicas above maxReplicas',
    mutate: (v) => (target(v, 'acme/resnet101/v1').minReplicas = 60),
    message: '0 <= minReplicas <= maxReplicas',
    codeRejects: true,
  },
  {
    input: 'a fractional maxReplicas',
    mutate: (v) => (target(v, 'acme/resnet101/v1').maxReplicas = 2.5),
    message: '1 <= maxReplicas <= 10000',
    codeRejects: true,
  },
  {
    input: 'a key without a version',
    mutate: (v) => {
      const targets = v.targets as Record<string, Target>;
      targets['acme/resnet101'] = target(v, 'acme/resnet101/v1');
      delete targets['acme/resnet101/v1'];
    },
    message: 'product/model/version',
    codeRejects: true,
  },
  {
    input: 'a namespace with capitals',
    mutate: (v) => (target(v, 'acme/resnet101/v1').namespace = 'TF_Serving'),
    message: 'DNS-1123 label',
    codeRejects: true,
  },
  {
    input: 'a location that is no region',
    mutate: (v) =>
      (target(v, 'acme/resnet101/v1').cluster = { project: 'acme-ml-prod', location: 'europe', name: 'ml' }),
    message: 'a region or zone as location',
    codeRejects: true,
  },
  {
    input: 'secondsPerImage 0',
    mutate: (v) => (target(v, 'acme/resnet101/v1').secondsPerImage = 0),
    message: 'secondsPerImage (when set) a number from 0.001 to 86400',
    codeRejects: true,
  },
  {
    input: 'startupSeconds above an hour',
    mutate: (v) => (target(v, 'acme/resnet101/v1').startupSeconds = 7200),
    message: 'startupSeconds (when set) must be an integer from 0 to 3600',
    codeRejects: true,
  },
  {
    input: 'selectPolicy Sometimes',
    mutate: (v) => ((target(v, 'acme/resnet101/v1').scaleIn ?? {}).selectPolicy = 'Sometimes'),
    message: 'selectPolicy one of Max, Min, Disabled',
    codeRejects: true,
  },
  {
    input: 'staleSeconds 10',
    mutate: (v) => ((target(v, 'acme/resnet101/v1').scaleIn ?? {}).staleSeconds = 10),
    message: 'staleSeconds an integer from 30 to 604800',
    codeRejects: true,
  },
  {
    input: 'an empty policy list',
    mutate: (v) => ((target(v, 'acme/resnet101/v1').scaleIn ?? {}).policies = []),
    message: 'policies (when set) must list at least one policy',
    codeRejects: true,
  },
  {
    input: 'a policy of type Seconds',
    mutate: (v) =>
      ((target(v, 'acme/resnet101/v1').scaleIn ?? {}).policies = [
        { type: 'Seconds', value: 1, periodSeconds: 30 },
      ]),
    message: 'type Pods or Percent',
    codeRejects: true,
  },
  {
    input: 'a Percent policy above 100',
    mutate: (v) =>
      ((target(v, 'acme/resnet101/v1').scaleIn ?? {}).policies = [
        { type: 'Percent', value: 150, periodSeconds: 30 },
      ]),
    message: 'at most 100 for Percent',
    codeRejects: false, // Terraform is stricter here: the code clamps to the replicas there are
  },
  {
    input: 'one Deployment under two keys',
    mutate: (v) =>
      ((v.targets as Record<string, Target>)['acme/resnet101/v2'] = target(v, 'acme/resnet101/v1')),
    message: 'each Deployment may be registered once',
    codeRejects: true,
  },
  {
    input: 'no targets',
    mutate: (v) => (v.targets = {}),
    message: 'at least one Deployment',
    codeRejects: true,
  },
  {
    input: 'project_id Acme',
    mutate: (v) => (v.project_id = 'Acme'),
    message: 'project_id must be 6-30 characters',
  },
  {
    input: 'a zone as region',
    mutate: (v) => (v.region = 'europe-west1-b'),
    message: 'region must be a Google Cloud region',
  },
  {
    input: 'a 16-character name_prefix',
    mutate: (v) => (v.name_prefix = 'prescaler-abcdef'),
    message: 'name_prefix must be 2-15 characters',
  },
  {
    input: 'a network name only',
    mutate: (v) => (v.network = 'ml-vpc'),
    message: 'network must be a network id',
  },
  {
    input: 'a /27 connector range',
    mutate: (v) => (v.vpc_connector = { ip_cidr_range: '10.8.0.0/27' }),
    message: 'must be a /28 range',
  },
  {
    input: 'connector min equal to max',
    mutate: (v) => (v.vpc_connector = { min_instances: 3, max_instances: 3 }),
    message: '2 <= min_instances < max_instances <= 10',
  },
  {
    input: 'Redis tier PREMIUM',
    mutate: (v) => (v.redis = { tier: 'PREMIUM' }),
    message: 'redis.tier must be BASIC or STANDARD_HA',
  },
  {
    input: 'Redis kind memcached',
    mutate: (v) => (v.redis = { kind: 'memcached' }),
    message: 'redis.kind must be instance, cluster or valkey',
  },
  {
    input: 'a Redis Cluster without a PSC subnetwork',
    mutate: (v) => (v.redis = { kind: 'cluster' }),
    message: 'redis.kind cluster and valkey need redis.psc_subnetwork',
  },
  {
    input: 'a Valkey PSC subnetwork given by name only',
    mutate: (v) => (v.redis = { kind: 'valkey', psc_subnetwork: 'ml-subnet' }),
    message: 'redis.kind cluster and valkey need redis.psc_subnetwork',
  },
  {
    input: 'six replicas per shard',
    mutate: (v) => (v.redis = { kind: 'cluster', replica_count: 6, psc_subnetwork: SUBNET }),
    message: 'redis.replica_count an integer in 0..5',
  },
  {
    input: 'zero shards',
    mutate: (v) => (v.redis = { kind: 'valkey', shard_count: 0, psc_subnetwork: SUBNET }),
    message: 'redis.shard_count must be an integer in 1..250',
  },
  {
    input: 'runtime nodejs18',
    mutate: (v) => (v.functions = { runtime: 'nodejs18' }),
    message: 'functions.runtime must be nodejs24 (tested) or nodejs22',
  },
  {
    input: 'runtime nodejs20, decommissioned',
    mutate: (v) => (v.functions = { runtime: 'nodejs20' }),
    message: 'decommissioned the nodejs20 runtime on 2026-10-30',
  },
  {
    input: 'prescale concurrency 80 on a fraction of a vCPU',
    mutate: (v) => (v.functions = { prescale: { concurrency: 80, cpu: '0.5' } }),
    message: 'above 1 it needs cpu of at least "1"',
  },
  {
    input: 'prescale concurrency 0',
    mutate: (v) => (v.functions = { prescale: { concurrency: 0 } }),
    message: 'functions.prescale.concurrency must be an integer in 1..1000',
  },
  {
    input: 'prescale min instances above max',
    mutate: (v) => (v.functions = { prescale: { min_instances: 5, max_instances: 2 } }),
    message: '0 <= min_instances <= max_instances',
  },
  {
    input: 'a 600 s prescale timeout',
    mutate: (v) => (v.functions = { prescale: { timeout_seconds: 600 } }),
    message: 'functions.prescale.timeout_seconds must be in 1..540',
  },
  {
    input: 'a schedule in words',
    mutate: (v) => (v.reconcile_schedule = 'every minute'),
    message: 'five-field cron expression',
  },
  {
    input: 'allUsers as a publisher',
    mutate: (v) => (v.event_publishers = ['allUsers']),
    message: 'event_publishers entries must be IAM members',
  },
  {
    input: 'allAuthenticatedUsers as a rejects subscriber',
    mutate: (v) => (v.rejects_subscribers = ['allAuthenticatedUsers']),
    message: 'rejects_subscribers entries must be IAM members',
  },
  {
    input: 'an email as notification channel',
    mutate: (v) => (v.notification_channels = ['oncall@acme.example']),
    message: 'notification_channels entries must be ids',
  },
  {
    input: 'a key prefix with a colon',
    mutate: (v) => (v.key_prefix = 'a:b'),
    message: 'key_prefix must be 1-40',
  },
  {
    input: 'max_images_per_event 0',
    mutate: (v) => (v.max_images_per_event = 0),
    message: 'max_images_per_event must be an integer from 1',
  },
  {
    input: 'reconcile_concurrency 0',
    mutate: (v) => (v.reconcile_concurrency = 0),
    message: 'reconcile_concurrency must be an integer in 1..256',
  },
  {
    input: 'a 30-day rejects retention',
    mutate: (v) => (v.rejects_retention = '2592000s'),
    message: 'rejects_retention must be a duration',
  },
];

describe('registry rendering and validation by terraform', () => {
  if (terraform) {
    it('accepts the example and renders a registry the code parses', () => {
      const result = plan(baseVars());
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.status).toBe(0);
      const rendered = JSON.parse(result.targetsJson ?? 'null') as unknown;
      expect(rendered).toEqual(renderRegistry(exampleVars.targets));
      expect(parseRegistry(rendered).size).toBe(Object.keys(exampleVars.targets as object).length);
    });

    it('leaves unset optional attributes out of the JSON instead of writing null', () => {
      const result = plan(baseVars());
      expect(result.targetsJson).not.toContain('null');
      const rendered = JSON.parse(result.targetsJson ?? '{}') as { targets: Record<string, Target> };
      const vit = rendered.targets['acme/vit-base/v2'];
      expect(vit && Object.keys(vit).sort()).toEqual(
        [
          'cluster',
          'deployment',
          'imagesPerReplica',
          'maxReplicas',
          'minReplicas',
          'namespace',
          'secondsPerImage',
        ].sort(),
      );
      expect(rendered.targets['acme/detr/v1']?.scaleIn).toEqual({
        policies: [
          { type: 'Pods', value: 2, periodSeconds: 60 },
          { type: 'Percent', value: 25, periodSeconds: 60 },
        ],
        selectPolicy: 'Min',
      });
    });

    it('defaults to nodejs24 and to concurrent prescale events on a whole vCPU', () => {
      const result = plan(baseVars());
      expect(result.functions?.runtime).toBe('nodejs24');
      expect(result.functions?.prescale.concurrency).toBeGreaterThan(1);
      expect(Number(result.functions?.prescale.cpu)).toBeGreaterThanOrEqual(1);
    });

    it.each(REJECTIONS)('refuses $input', ({ mutate, message }) => {
      const vars = baseVars();
      mutate(vars);
      const result = plan(vars);
      expect(result.status).not.toBe(0);
      expect(result.stderr.replace(/\s+/g, ' ')).toContain(message);
    });
  } else {
    it('reports that terraform is absent, so the validations were not evaluated', () => {
      console.warn(
        "terraform is not on PATH: the variables' validation blocks and registry.tf were not evaluated; " +
          'contract.test.ts still checks the example registry against the code parser.',
      );
      expect(spawnSync('terraform', ['version']).error).toBeDefined();
    });
  }

  it.each(REJECTIONS.filter((r) => r.codeRejects !== undefined))(
    'agrees with the code parser on $input',
    ({ mutate, codeRejects }) => {
      const vars = baseVars();
      mutate(vars);
      const parse = () => parseRegistry(renderRegistry(vars.targets));
      if (codeRejects) expect(parse).toThrow(/invalid target registry/);
      else expect(parse).not.toThrow();
    },
  );

  it('keeps the example registry file unchanged by the cases above', () => {
    expect(readFileSync(TFVARS, 'utf8')).toContain('"acme/resnet101/v1" = {');
  });
});
