# Memorystore holds the batches prescale records and the progress the workers count: one of three
# offerings (var.redis.kind, redis-settings.tf), each with TLS on. kind = instance: Memorystore
# for Redis with AUTH; the AUTH string goes to Secret Manager, the server CA to REDIS_CA_CERT.
resource "google_redis_instance" "cache" {
  count = local.redis_kind == "instance" ? 1 : 0

  project                 = var.project_id
  region                  = var.region
  name                    = "${var.name_prefix}-redis"
  display_name            = "prescaler batches and progress"
  tier                    = var.redis.tier
  memory_size_gb          = var.redis.memory_size_gb
  redis_version           = var.redis.redis_version
  authorized_network      = var.network
  connect_mode            = var.redis.connect_mode
  auth_enabled            = true
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  labels                  = local.labels
}

resource "google_secret_manager_secret" "redis_auth" {
  count = local.redis_auth_string ? 1 : 0

  project   = var.project_id
  secret_id = "${var.name_prefix}-redis-auth"
  labels    = local.labels

  replication {
    auto {}
  }
}

# The AUTH string also sits in the Terraform state: keep the state bucket as private as the secret.
resource "google_secret_manager_secret_version" "redis_auth" {
  count = local.redis_auth_string ? 1 : 0

  secret      = google_secret_manager_secret.redis_auth[0].id
  secret_data = google_redis_instance.cache[0].auth_string
}

# The functions reach Redis's private address through this connector. Only private ranges go
# through it (PRIVATE_RANGES_ONLY on the functions); Google APIs and public GKE endpoints do not.
resource "google_vpc_access_connector" "functions" {
  project       = var.project_id
  region        = var.region
  name          = "${var.name_prefix}-conn"
  network       = local.network_name
  ip_cidr_range = var.vpc_connector.ip_cidr_range
  min_instances = var.vpc_connector.min_instances
  max_instances = var.vpc_connector.max_instances
  machine_type  = var.vpc_connector.machine_type

  lifecycle {
    precondition {
      condition     = local.network_project == var.project_id
      error_message = "The connector is created in project_id from an IP range, so the network must belong to project_id (a Shared VPC needs a connector on a host-project subnet, which this module does not create)."
    }
  }
}

# Where the functions connect, whichever offering exists (exactly one does): the instance's
# address, or the discovery endpoint of a cluster; and the server CA(s) TLS trusts.
locals {
  redis_endpoints = concat(
    [for r in google_redis_instance.cache : {
      host = r.host
      port = r.port
      ca   = [for c in r.server_ca_certs : c.cert]
    }],
    [for r in google_redis_cluster.cache : {
      host = r.discovery_endpoints[0].address
      port = r.discovery_endpoints[0].port
      ca   = flatten([for m in r.managed_server_ca : [for c in m.ca_certs : c.certificates]])
    }],
    [for r in google_memorystore_instance.cache : {
      host = local.valkey_discovery[0].ip_address
      port = local.valkey_discovery[0].port
      ca   = flatten([for m in r.managed_server_ca : [for c in m.ca_certs : c.certificates]])
    }],
  )
  redis_endpoint = one(local.redis_endpoints)
  redis_url      = "rediss://${local.redis_endpoint.host}:${local.redis_endpoint.port}"
  redis_ca_cert  = join("\n", [for c in local.redis_endpoint.ca : trimspace(c)])
}
