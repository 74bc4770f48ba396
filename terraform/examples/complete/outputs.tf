output "events_topic_id" {
  description = "Topic the upstream pipeline publishes to."
  value       = module.prescaler.events_topic_id
}

output "rejects_subscription_id" {
  description = "Subscription operators pull rejected events from."
  value       = module.prescaler.rejects_subscription_id
}

output "reconcile_uri" {
  description = "URI of the reconcile function (scheduler only)."
  value       = module.prescaler.reconcile_function.uri
}

output "service_accounts" {
  description = "Accounts created by the module."
  value       = module.prescaler.service_accounts
}

output "redis_host" {
  description = "Private address of the Memorystore instance."
  value       = module.prescaler.redis_host
}

output "redis_auth_secret_id" {
  description = "Secret holding the Redis AUTH string."
  value       = module.prescaler.redis_auth_secret_id
}

output "redis_port" {
  description = "Port of the Memorystore instance (TLS)."
  value       = module.prescaler.redis_port
}

output "redis_ca_cert" {
  description = "PEM of the Memorystore server CA(s) for the workers' TLS."
  value       = module.prescaler.redis_ca_cert
}
