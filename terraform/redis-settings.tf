# What the chosen Memorystore offering means for the functions' Redis settings. Derived from
# var.redis alone (no provider), so the offline tests evaluate it with `terraform plan`.
locals {
  redis_kind = var.redis.kind

  # Redis Cluster and Valkey (cluster mode) spread keys over shards: the functions use the cluster
  # client (REDIS_MODE=cluster), which reads the topology from the discovery endpoint.
  redis_mode = local.redis_kind == "instance" ? "standalone" : "cluster"

  # Replicas copy writes asynchronously: prescale acknowledges an event only once a replica holds
  # its batch (WAIT), so a failover cannot lose it. STANDARD_HA has one replica; the sharded
  # offerings have replica_count per shard, and one confirming replica is enough.
  redis_replicas      = local.redis_kind == "instance" ? (var.redis.tier == "STANDARD_HA" ? 1 : 0) : var.redis.replica_count
  redis_wait_replicas = tostring(min(local.redis_replicas, 1))

  # Only Memorystore for Redis has an AUTH string (kept in Secret Manager). Redis Cluster and
  # Valkey are created without authorization (AUTH_MODE_DISABLED / AUTH_DISABLED): their only
  # credential is an IAM access token, which the functions do not send (docs/deploy.md, "Worker
  # credentials").
  redis_auth_string = local.redis_kind == "instance"

  # Private Service Connect: the service class of the connection policy each offering needs.
  redis_service_class = {
    instance = null
    cluster  = "gcp-memorystore-redis"
    valkey   = "gcp-memorystore"
  }[local.redis_kind]
  redis_connection_policy = local.redis_kind != "instance" && var.redis.create_connection_policy
}
