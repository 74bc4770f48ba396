output "events_topic_id" {
  description = "Id of the topic the upstream pipeline publishes \"N images incoming\" events to."
  value       = google_pubsub_topic.events.id
}

output "rejects_topic_id" {
  description = "Id of the topic prescale publishes permanently rejected events to."
  value       = google_pubsub_topic.rejects.id
}

output "rejects_subscription_id" {
  description = "Id of the pull subscription operators read rejected events from."
  value       = google_pubsub_subscription.rejects.id
}

output "prescale_function" {
  description = "Name and URI of the prescale function."
  value = {
    name = google_cloudfunctions2_function.prescale.name
    uri  = google_cloudfunctions2_function.prescale.service_config[0].uri
  }
}

output "reconcile_function" {
  description = "Name and URI of the reconcile function (callable only by the scheduler's account)."
  value = {
    name = google_cloudfunctions2_function.reconcile.name
    uri  = google_cloudfunctions2_function.reconcile.service_config[0].uri
  }
}

output "service_accounts" {
  description = "Emails of the accounts the module creates: prescale and reconcile (functions; the Kubernetes RBAC Users), trigger (Eventarc delivery), scheduler (the reconcile invoker)."
  value = {
    prescale  = google_service_account.prescale.email
    reconcile = google_service_account.reconcile.email
    trigger   = google_service_account.trigger.email
    scheduler = google_service_account.scheduler.email
  }
}

output "scheduler_job" {
  description = "Id of the Cloud Scheduler job that calls reconcile."
  value       = google_cloud_scheduler_job.reconcile.id
}

output "redis_kind" {
  description = "The Memorystore offering created: instance (Memorystore for Redis), cluster (Redis Cluster) or valkey."
  value       = local.redis_kind
}

output "redis_host" {
  description = "Private address the functions connect to: the instance's, or the cluster's discovery endpoint."
  value       = local.redis_endpoint.host
}

output "redis_port" {
  description = "Port of that address (TLS)."
  value       = local.redis_endpoint.port
}

output "redis_url" {
  description = "REDIS_URL the functions use; workers use the same (rediss: TLS), with REDIS_MODE."
  value       = local.redis_url
}

output "redis_mode" {
  description = "REDIS_MODE the functions use: standalone, or cluster for the Redis Cluster client."
  value       = local.redis_mode
}

output "redis_ca_cert" {
  description = "PEM of the Memorystore server CA(s); workers pass it as their TLS CA."
  value       = local.redis_ca_cert
}

output "redis_auth_secret_id" {
  description = "Secret Manager secret holding the Redis AUTH string (grant workers roles/secretmanager.secretAccessor on it); null for cluster and valkey, which have no AUTH string."
  value       = one(google_secret_manager_secret.redis_auth[*].id)
}

output "vpc_connector_id" {
  description = "Serverless VPC Access connector the functions use."
  value       = google_vpc_access_connector.functions.id
}

output "source_bucket" {
  description = "Bucket holding the functions' source archives."
  value       = google_storage_bucket.source.name
}

output "targets_json" {
  description = "The registry as rendered into PRESCALER_TARGETS."
  value       = local.targets_json
}

output "log_metrics" {
  description = "Names of the log-based metrics (scaling decisions, decision latency, rejected events, reconcile failures)."
  value = {
    scaling_decisions  = google_logging_metric.scaling_decisions.name
    decision_latency   = google_logging_metric.decision_values["decision_latency"].name
    rejected_events    = google_logging_metric.rejected_events.name
    reconcile_failures = google_logging_metric.reconcile_failures.name
  }
}
