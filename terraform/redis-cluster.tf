# kind = cluster (Memorystore for Redis Cluster) and kind = valkey (Memorystore for Valkey, cluster
# mode): sharded, reached through Private Service Connect endpoints on `network`, TLS with a
# managed server CA. Authorization is off (see redis-settings.tf): any client that reaches the
# endpoints is served, so the network is the boundary (docs/deploy.md, "Worker credentials").

# Service connectivity automation creates the endpoints in psc_subnetwork; it needs one policy per
# network, region and service class.
resource "google_network_connectivity_service_connection_policy" "redis" {
  count = local.redis_connection_policy ? 1 : 0

  project       = local.network_project
  location      = var.region
  name          = "${var.name_prefix}-redis-psc"
  service_class = local.redis_service_class
  description   = "Private Service Connect endpoints of the prescaler Memorystore ${local.redis_kind}."
  network       = var.network
  labels        = local.labels

  psc_config {
    subnetworks = [var.redis.psc_subnetwork]
  }
}

resource "google_redis_cluster" "cache" {
  count = local.redis_kind == "cluster" ? 1 : 0

  project                 = var.project_id
  region                  = var.region
  name                    = "${var.name_prefix}-redis"
  shard_count             = var.redis.shard_count
  replica_count           = var.redis.replica_count
  node_type               = var.redis.node_type
  authorization_mode      = "AUTH_MODE_DISABLED"
  transit_encryption_mode = "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION"
  # As for the instance: `terraform destroy` removes everything the module created.
  deletion_protection_enabled = false

  psc_configs {
    network = var.network
  }

  depends_on = [google_network_connectivity_service_connection_policy.redis]
}

resource "google_memorystore_instance" "cache" {
  count = local.redis_kind == "valkey" ? 1 : 0

  project                 = var.project_id
  location                = var.region
  instance_id             = "${var.name_prefix}-valkey"
  mode                    = "CLUSTER"
  shard_count             = var.redis.shard_count
  replica_count           = var.redis.replica_count
  node_type               = var.redis.node_type
  engine_version          = var.redis.engine_version
  authorization_mode      = "AUTH_DISABLED"
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  labels                  = local.labels
  # As for the instance: `terraform destroy` removes everything the module created.
  deletion_protection_enabled = false

  desired_auto_created_endpoints {
    network    = var.network
    project_id = local.network_project
  }

  depends_on = [google_network_connectivity_service_connection_policy.redis]
}

locals {
  # The Valkey instance's discovery endpoint among its auto-created connections.
  valkey_discovery = flatten([
    for r in google_memorystore_instance.cache : [
      for e in r.endpoints : [
        for c in e.connections : [
          for p in c.psc_auto_connection : p if p.connection_type == "CONNECTION_TYPE_DISCOVERY"
        ]
      ]
    ]
  ])
}
