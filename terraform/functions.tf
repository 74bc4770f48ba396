# prescale: Pub/Sub-triggered (CloudEvent) function that scales a target up the moment a batch
# is announced and records the batch in Redis.
resource "google_cloudfunctions2_function" "prescale" {
  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-prescale"
  description = "Scales the registered Deployment up when an \"N images incoming\" event arrives."
  labels      = local.labels

  build_config {
    runtime         = var.functions.runtime
    entry_point     = "prescale"
    service_account = var.build_service_account == null ? null : "projects/${var.project_id}/serviceAccounts/${var.build_service_account}"

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email = google_service_account.prescale.email
    min_instance_count    = var.functions.prescale.min_instances
    max_instance_count    = var.functions.prescale.max_instances
    available_memory      = var.functions.prescale.memory
    timeout_seconds       = var.functions.prescale.timeout_seconds
    # Several events per instance (80 by default): concurrent events of one target share scale-up
    # rounds in the instance (shared/kube/coalesce.ts), and a burst starts fewer instances. Across
    # instances the scale write retries on resourceVersion conflicts until it converges. Cloud Run
    # requires a whole vCPU for concurrency above 1 (variables.tf checks the pair).
    available_cpu                    = var.functions.prescale.cpu
    max_instance_request_concurrency = var.functions.prescale.concurrency
    all_traffic_on_latest_revision   = true
    # Event deliveries count as internal traffic whatever the setting, so nothing else needs in.
    ingress_settings              = "ALLOW_INTERNAL_ONLY"
    vpc_connector                 = google_vpc_access_connector.functions.id
    vpc_connector_egress_settings = "PRIVATE_RANGES_ONLY"

    environment_variables = merge(local.function_env, {
      PRESCALER_MAX_IMAGES_PER_EVENT = tostring(var.max_images_per_event)
    })

    # Memorystore for Redis's AUTH string; the other offerings have none (redis-settings.tf).
    dynamic "secret_environment_variables" {
      for_each = google_secret_manager_secret_version.redis_auth
      content {
        key        = "REDIS_AUTH"
        project_id = var.project_id
        secret     = google_secret_manager_secret.redis_auth[0].secret_id
        version    = secret_environment_variables.value.version
      }
    }
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.events.id
    service_account_email = google_service_account.trigger.email
    # A transient fault (Redis or the Kubernetes API unreachable) throws and is redelivered with
    # backoff; permanent faults are published to the rejects topic and acknowledged by the code.
    retry_policy = "RETRY_POLICY_RETRY"
  }

  depends_on = [google_secret_manager_secret_iam_member.redis_auth]
}

# reconcile: HTTP function called by Cloud Scheduler; scales targets in as their work drains.
resource "google_cloudfunctions2_function" "reconcile" {
  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-reconcile"
  description = "Scales registered Deployments in as their work drains, idle pods first."
  labels      = local.labels

  build_config {
    runtime         = var.functions.runtime
    entry_point     = "reconcile"
    service_account = var.build_service_account == null ? null : "projects/${var.project_id}/serviceAccounts/${var.build_service_account}"

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.reconcile.email
    min_instance_count               = var.functions.reconcile.min_instances
    max_instance_count               = var.functions.reconcile.max_instances
    available_memory                 = var.functions.reconcile.memory
    timeout_seconds                  = var.functions.reconcile.timeout_seconds
    max_instance_request_concurrency = 1
    all_traffic_on_latest_revision   = true
    # Ingress: ALLOW_ALL at the network level, and never public. Cloud Scheduler does not call
    # from a VPC network, and whether its requests count as "internal" depends on conditions
    # (same project, VPC Service Controls perimeter) that differ between products; an internal
    # setting that turns the scheduler away fails quietly and stops all scale-in. ALLOW_INTERNAL_AND_GCLB
    # would need a load balancer in front. So access is enforced by IAM instead: the function
    # requires authentication (Cloud Run checks the OIDC token before any code runs), and the
    # only principal holding roles/run.invoker on its service is the scheduler's account (iam.tf).
    # There is no allUsers/allAuthenticatedUsers binding anywhere in this module.
    ingress_settings              = "ALLOW_ALL"
    vpc_connector                 = google_vpc_access_connector.functions.id
    vpc_connector_egress_settings = "PRIVATE_RANGES_ONLY"

    environment_variables = merge(local.function_env, {
      PRESCALER_RECONCILE_CONCURRENCY = tostring(var.reconcile_concurrency)
      # The pass ends 10 s before the function's timeout, so its report is always returned.
      PRESCALER_RECONCILE_DEADLINE_SECONDS = tostring(max(1, var.functions.reconcile.timeout_seconds - 10))
    })

    # Memorystore for Redis's AUTH string; the other offerings have none (redis-settings.tf).
    dynamic "secret_environment_variables" {
      for_each = google_secret_manager_secret_version.redis_auth
      content {
        key        = "REDIS_AUTH"
        project_id = var.project_id
        secret     = google_secret_manager_secret.redis_auth[0].secret_id
        version    = secret_environment_variables.value.version
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.redis_auth]
}

locals {
  # The settings both functions load (shared/config/env.ts names them). reconcile publishes
  # nothing (and holds no publisher role); PRESCALER_REJECTS_TOPIC is set so that both functions
  # load the same runtime settings.
  function_env = {
    PRESCALER_TARGETS       = local.targets_json
    REDIS_URL               = local.redis_url
    REDIS_CA_CERT           = local.redis_ca_cert
    REDIS_MODE              = local.redis_mode
    REDIS_WAIT_REPLICAS     = local.redis_wait_replicas
    REDIS_WAIT_TIMEOUT_MS   = "1000"
    PRESCALER_KEY_PREFIX    = var.key_prefix
    PRESCALER_REJECTS_TOPIC = google_pubsub_topic.rejects.id
  }
}
