/**
 * The Terraform module's security properties, checked offline on the parsed HCL: the module as
 * written has no violations, and copies broken on purpose are reported naming the broken block.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { checkTerraform, loadTerraform, resources, text } from '../../support/terraform.js';
import { add, copyModule, edit, MODULE, removeCopies } from '../../support/terraform-copy.js';

const EXAMPLE = 'terraform/examples/complete';

afterAll(removeCopies);

describe('terraform module', () => {
  it('has no violations', async () => {
    expect(await checkTerraform(MODULE)).toEqual([]);
  });

  it('has no violations in the complete example', async () => {
    expect(await checkTerraform(EXAMPLE)).toEqual([]);
  });

  it('declares the resources the deployment needs', async () => {
    const hcl = await loadTerraform(MODULE);
    const addresses = resources(hcl).map((r) => r.address);
    expect(addresses).toEqual(
      expect.arrayContaining([
        'google_pubsub_topic.events',
        'google_pubsub_topic.rejects',
        'google_pubsub_subscription.rejects',
        'google_cloudfunctions2_function.prescale',
        'google_cloudfunctions2_function.reconcile',
        'google_cloud_scheduler_job.reconcile',
        'google_redis_instance.cache',
        'google_redis_cluster.cache',
        'google_memorystore_instance.cache',
        'google_network_connectivity_service_connection_policy.redis',
        'google_secret_manager_secret.redis_auth',
        'google_vpc_access_connector.functions',
        'google_storage_bucket.source',
        'kubernetes_role_v1.prescale',
        'kubernetes_role_v1.reconcile',
        'kubernetes_role_binding_v1.prescale',
        'kubernetes_role_binding_v1.reconcile',
        'kubernetes_manifest.pod_policy',
        'kubernetes_manifest.pod_policy_binding',
        'google_project_iam_custom_role.cluster_get',
        'google_monitoring_alert_policy.reconcile_failures',
      ]),
    );
    const metrics = resources(hcl, 'google_logging_metric').map((r) => text(r.body, 'filter') ?? '');
    expect(metrics.some((f) => f.includes('jsonPayload.event="rejected"'))).toBe(true);
    expect(metrics.some((f) => f.includes('reconcile_failed') && f.includes('severity=ERROR'))).toBe(true);
  });

  it('keeps the rejects subscription a retained pull subscription', async () => {
    const hcl = await loadTerraform(MODULE);
    const [sub] = resources(hcl, 'google_pubsub_subscription');
    expect(sub?.body.retain_acked_messages).toBe(true);
    expect(sub?.body.push_config).toBeUndefined();
    expect(text(sub?.body, 'topic')).toContain('google_pubsub_topic.rejects');
  });

  it('gives the VPC connector a name within 25 characters for the longest prefix', async () => {
    const hcl = await loadTerraform(MODULE);
    const prefixRule = hcl.variable.name_prefix?.validation;
    expect(JSON.stringify(prefixRule)).toContain('{0,13}'); // at most 15 characters
    const [connector] = resources(hcl, 'google_vpc_access_connector');
    const name = (text(connector?.body, 'name') ?? '').replace('${var.name_prefix}', 'x'.repeat(15));
    expect(name.length).toBeLessThanOrEqual(25);
  });
});

describe('checkTerraform on deliberately broken copies', () => {
  const cases: Array<{ breakage: string; mutate: (dir: string) => void; expected: RegExp }> = [
    {
      breakage: 'a public invoker on reconcile',
      mutate: (dir) =>
        add(
          dir,
          'public.tf',
          `resource "google_cloud_run_service_iam_member" "public" {
  location = var.region
  service  = google_cloudfunctions2_function.reconcile.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
`,
        ),
      expected: /^google_cloud_run_service_iam_member\.public: grants allUsers$/,
    },
    {
      breakage: 'allAuthenticatedUsers as an event publisher',
      mutate: (dir) =>
        add(
          dir,
          'public.tf',
          `resource "google_pubsub_topic_iam_member" "anyone" {
  topic  = google_pubsub_topic.events.name
  role   = "roles/pubsub.publisher"
  member = "allAuthenticatedUsers"
}
`,
        ),
      expected: /^google_pubsub_topic_iam_member\.anyone: grants allAuthenticatedUsers$/,
    },
    {
      breakage: 'no oidc_token on the scheduler job',
      mutate: (dir) => edit(dir, 'scheduler.tf', /\n\s*oidc_token \{[^}]*\}/, ''),
      expected: /^google_cloud_scheduler_job\.reconcile: no oidc_token$/,
    },
    {
      breakage: 'the invoker role given to another account',
      mutate: (dir) =>
        edit(
          dir,
          'iam.tf',
          'member   = "serviceAccount:${google_service_account.scheduler.email}"',
          'member   = "serviceAccount:${google_service_account.prescale.email}"',
        ),
      expected:
        /^google_cloud_run_service_iam_member\.reconcile_invoker: grants roles\/run\.invoker on google_cloudfunctions2_function\.reconcile to .*prescale.*only the scheduler's account/,
    },
    {
      breakage: 'both functions running as one account',
      mutate: (dir) =>
        edit(
          dir,
          'functions.tf',
          'service_account_email            = google_service_account.reconcile.email',
          'service_account_email            = google_service_account.prescale.email',
        ),
      expected:
        /^google_cloudfunctions2_function\.reconcile: shares service account google_service_account\.prescale/,
    },
    {
      breakage: 'the trigger running as the function account',
      mutate: (dir) =>
        edit(
          dir,
          'functions.tf',
          'service_account_email = google_service_account.trigger.email',
          'service_account_email = google_service_account.prescale.email',
        ),
      expected:
        /^google_cloudfunctions2_function\.prescale: event_trigger runs as google_service_account\.prescale/,
    },
    {
      breakage: 'no retry on the prescale trigger',
      mutate: (dir) => edit(dir, 'functions.tf', '"RETRY_POLICY_RETRY"', '"RETRY_POLICY_DO_NOT_RETRY"'),
      expected:
        /^google_cloudfunctions2_function\.prescale: event_trigger retry_policy is RETRY_POLICY_DO_NOT_RETRY/,
    },
    {
      breakage: 'the AUTH string as a plain environment variable',
      mutate: (dir) =>
        edit(
          dir,
          'functions.tf',
          'PRESCALER_KEY_PREFIX    = var.key_prefix',
          'PRESCALER_KEY_PREFIX = var.key_prefix\n    REDIS_AUTH = google_redis_instance.cache[0].auth_string',
        ),
      expected: /^google_cloudfunctions2_function\.reconcile: REDIS_AUTH in plain environment_variables/,
    },
    {
      breakage: 'a delete verb on pods',
      mutate: (dir) =>
        edit(dir, 'rbac.tf', 'verbs      = ["list", "patch"]', 'verbs = ["list", "patch", "delete"]'),
      expected: /^kubernetes_role_v1\.reconcile: verb delete on \/pods is not allowed for reconcile$/,
    },
    {
      breakage: 'a wildcard verb',
      mutate: (dir) => edit(dir, 'rbac.tf', 'verbs          = ["get"]', 'verbs = ["*"]'),
      expected: /^kubernetes_role_v1\.reconcile: wildcard "\*" in a rule$/,
    },
    {
      breakage: 'scale rights on every Deployment of the namespace',
      mutate: (dir) =>
        edit(
          dir,
          'rbac.tf',
          /(resources\s+= \["deployments\/scale"\]\n)\s*resource_names\s*= each\.value\n/,
          '$1',
        ),
      expected: /^kubernetes_role_v1\.prescale: rule on apps\/deployments\/scale has no resource_names/,
    },
    {
      breakage: 'patch on deployments/scale',
      mutate: (dir) =>
        edit(dir, 'rbac.tf', 'verbs          = ["get", "update"]', 'verbs = ["get", "update", "patch"]'),
      expected: /^kubernetes_role_v1\.prescale: patch on deployments\/scale, which nothing uses$/,
    },
    {
      breakage: 'a missing verb (scale-up could not write)',
      mutate: (dir) => edit(dir, 'rbac.tf', 'verbs          = ["get", "update"]', 'verbs = ["get"]'),
      expected: /^kubernetes_role_v1\.prescale: missing update on apps\/deployments\/scale$/,
    },
    {
      breakage: 'pod rights in the prescale Role',
      mutate: (dir) =>
        edit(
          dir,
          'rbac.tf',
          /(verbs\s+= \["get", "update"\]\n {2}\}\n)/,
          '$1\n  rule {\n    api_groups = [""]\n    resources = ["pods"]\n    verbs = ["list", "patch"]\n  }\n',
        ),
      expected:
        /^kubernetes_role_v1\.prescale: grants list, patch on \/pods, which the prescale function does not use$/,
    },
    {
      breakage: 'the autoscaler read rule missing from reconcile',
      mutate: (dir) => edit(dir, 'rbac.tf', /\n {2}rule \{\n\s*api_groups = \["keda\.sh"\][^}]*\}\n/, '\n'),
      expected: /^kubernetes_role_v1\.reconcile: missing the rule on keda\.sh\/scaledobjects$/,
    },
    {
      breakage: 'one Role bound to both accounts',
      mutate: (dir) =>
        edit(
          dir,
          'rbac.tf',
          /(name\s+= google_service_account\.prescale\.email\n {2}\}\n)/,
          '$1\n  subject {\n    api_group = "rbac.authorization.k8s.io"\n    kind = "User"\n    name = google_service_account.reconcile.email\n  }\n',
        ),
      expected:
        /^kubernetes_role_v1\.prescale: bound to both prescale and reconcile; each function needs a Role of its own$/,
    },
    {
      breakage: 'create rights on secrets',
      mutate: (dir) =>
        edit(
          dir,
          'rbac.tf',
          /(\n {2}lifecycle \{)/,
          '\n  rule {\n    api_groups = [""]\n    resources = ["secrets"]\n    verbs = ["create"]\n  }\n$1',
        ),
      expected:
        /^kubernetes_role_v1\.prescale: grants create on \/secrets, which the prescale function does not use/,
    },
    {
      breakage: 'a ClusterRole',
      mutate: (dir) =>
        add(
          dir,
          'cluster.tf',
          `resource "kubernetes_cluster_role_v1" "wide" {
  metadata {
    name = "wide"
  }
}
`,
        ),
      expected: /^kubernetes_cluster_role_v1\.wide: cluster-wide RBAC/,
    },
    {
      breakage: 'a binding to someone else',
      mutate: (dir) =>
        edit(
          dir,
          'rbac.tf',
          'name      = google_service_account.reconcile.email',
          'name = "someone@example.com"',
        ),
      expected: /^kubernetes_role_binding_v1\.reconcile: subject someone@example\.com is not a User/,
    },
    {
      breakage: 'no admission policy created',
      mutate: (dir) =>
        edit(dir, 'admission.tf', /resource "kubernetes_manifest" "pod_policy" \{[\s\S]*?\n\}\n/, ''),
      expected: /^local\.admission_policy: no kubernetes_manifest creates it$/,
    },
    {
      breakage: 'no admission policy binding created',
      mutate: (dir) =>
        edit(dir, 'admission.tf', /resource "kubernetes_manifest" "pod_policy_binding" \{[\s\S]*?\n\}\n/, ''),
      expected: /^local\.admission_policy_binding: no kubernetes_manifest creates it$/,
    },
    {
      breakage: 'the admission policy not naming the reconcile identity',
      mutate: (dir) => edit(dir, 'admission-policy.tf', ", '${local.function_users.reconcile}'", ''),
      expected: /^local\.admission_policy: matchConditions do not name the reconcile identity$/,
    },
    {
      breakage: 'the admission policy binding only warning',
      mutate: (dir) =>
        edit(dir, 'admission-policy.tf', 'validationActions = ["Deny"]', 'validationActions = ["Warn"]'),
      expected: /^local\.admission_policy_binding: validationActions do not include Deny$/,
    },
    {
      breakage: 'project-wide roles/container.clusterViewer',
      mutate: (dir) =>
        edit(
          dir,
          'iam.tf',
          'role    = google_project_iam_custom_role.cluster_get[each.value.project].name',
          'role    = "roles/container.clusterViewer"',
        ),
      expected:
        /^google_project_iam_member\.cluster_get: roles\/container\.clusterViewer granted on a whole project/,
    },
    {
      breakage: 'the custom role holding more than clusters.get',
      mutate: (dir) =>
        edit(
          dir,
          'iam.tf',
          '["container.clusters.get"]',
          '["container.clusters.get", "container.pods.list"]',
        ),
      expected:
        /^google_project_iam_custom_role\.cluster_get: permissions container\.pods\.list beyond container\.clusters\.get$/,
    },
    {
      breakage: 'Redis without AUTH',
      mutate: (dir) => edit(dir, 'redis.tf', /auth_enabled\s+= true/, 'auth_enabled = false'),
      expected: /^google_redis_instance\.cache: auth_enabled is false, expected true$/,
    },
    {
      breakage: 'Redis without TLS',
      mutate: (dir) => edit(dir, 'redis.tf', '"SERVER_AUTHENTICATION"', '"DISABLED"'),
      expected: /^google_redis_instance\.cache: transit_encryption_mode is DISABLED/,
    },
    {
      breakage: 'a primitive role',
      mutate: (dir) =>
        add(
          dir,
          'editor.tf',
          `resource "google_project_iam_member" "editor" {
  project = var.project_id
  role    = "roles/editor"
  member  = "serviceAccount:\${google_service_account.reconcile.email}"
}
`,
        ),
      expected: /^google_project_iam_member\.editor: primitive role roles\/editor$/,
    },
    {
      breakage: 'container.developer instead of the custom role',
      mutate: (dir) =>
        edit(
          dir,
          'iam.tf',
          'role    = google_project_iam_custom_role.cluster_get[each.value.project].name',
          'role    = "roles/container.developer"',
        ),
      expected: /^google_project_iam_member\.cluster_get: roles\/container\.developer is broader/,
    },
    {
      breakage: 'the secret readable project-wide',
      mutate: (dir) =>
        add(
          dir,
          'secret.tf',
          `resource "google_project_iam_member" "secrets" {
  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:\${google_service_account.prescale.email}"
}
`,
        ),
      expected:
        /^google_project_iam_member\.secrets: roles\/secretmanager\.secretAccessor granted on a whole project/,
    },
    {
      breakage: 'a variable without description',
      mutate: (dir) =>
        edit(
          dir,
          'variables.tf',
          /(variable "reconcile_paused" \{\n\s*type\s*= bool\n)\s*description\s*= "[^"]*"\n/,
          '$1',
        ),
      expected: /^variable\.reconcile_paused: no description$/,
    },
    {
      breakage: 'a variable without type',
      mutate: (dir) => edit(dir, 'variables.tf', /(variable "key_prefix" \{\n)\s*type\s*= string\n/, '$1'),
      expected: /^variable\.key_prefix: no type$/,
    },
  ];

  it.each(cases)('reports $breakage', async ({ mutate, expected }) => {
    const dir = copyModule();
    mutate(dir);
    const violations = await checkTerraform(dir);
    expect(violations).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('reports reconcile left without any invoker binding', async () => {
    const dir = copyModule();
    edit(
      dir,
      'iam.tf',
      /resource "google_cloud_run_service_iam_member" "reconcile_invoker" \{[\s\S]*?\n\}\n/,
      '',
    );
    edit(
      dir,
      'scheduler.tf',
      /\n\s*depends_on = \[google_cloud_run_service_iam_member\.reconcile_invoker\]/,
      '',
    );
    expect(await checkTerraform(dir)).toEqual([
      "google_cloudfunctions2_function.reconcile: no roles/run.invoker binding for the scheduler's account",
    ]);
  });
});
