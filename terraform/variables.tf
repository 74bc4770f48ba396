variable "project_id" {
  type        = string
  description = "Project that hosts the functions, topics, Redis, scheduler job and service accounts."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be 6-30 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, Redis instance, VPC connector, scheduler job and source bucket (e.g. europe-west1)."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1 or us-central1 (not a zone)."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name. Service account ids (<prefix>-scheduler) and the VPC connector name (<prefix>-conn) are derived from it, hence the length limit."
  default     = "prescaler"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,13}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2-15 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every resource that takes labels."
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))
    ])
    error_message = "labels keys must match ^[a-z][a-z0-9_-]{0,62}$ and values ^[a-z0-9_-]{0,63}$."
  }
}

variable "targets" {
  type = map(object({
    cluster = object({
      project  = string
      location = string
      name     = string
    })
    namespace        = string
    deployment       = string
    imagesPerReplica = number
    minReplicas      = number
    maxReplicas      = number
    startupSeconds   = optional(number)
    secondsPerImage  = optional(number)
    scaleIn = optional(object({
      stabilizationSeconds = optional(number)
      policies = optional(list(object({
        type          = string
        value         = number
        periodSeconds = number
      })))
      selectPolicy = optional(string)
      staleSeconds = optional(number)
    }))
  }))
  description = <<-EOT
    The target registry, keyed by "product/model/version". Attribute names are the camelCase keys of the
    registry JSON the functions read (PRESCALER_TARGETS), so it is rendered with a plain jsonencode;
    optional attributes left unset are omitted from the JSON and take the functions' defaults.
    cluster: the GKE cluster {project, location, name} running the Deployment; namespace and deployment
    name it; imagesPerReplica: images one replica handles at once; minReplicas/maxReplicas: bounds;
    startupSeconds: how long a new replica takes to become useful; secondsPerImage: processing time of
    one image; scaleIn: {stabilizationSeconds, policies [{type = Pods|Percent, value, periodSeconds}],
    selectPolicy = Max|Min|Disabled, staleSeconds}.
  EOT

  validation {
    condition     = length(var.targets) > 0
    error_message = "targets must register at least one Deployment."
  }

  validation {
    condition = alltrue([
      for key in keys(var.targets) :
      can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}/[A-Za-z0-9][A-Za-z0-9._-]{0,62}/[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", key))
    ])
    error_message = "Every targets key must be \"product/model/version\", each part 1-63 letters, digits, \".\", \"_\" or \"-\"."
  }

  validation {
    condition = alltrue([
      for t in values(var.targets) :
      can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", t.cluster.project)) &&
      can(regex("^[a-z]+-[a-z]+[0-9]+(-[a-z])?$", t.cluster.location)) &&
      can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", t.cluster.name))
    ])
    error_message = "Every targets[*].cluster needs a valid project id, a region or zone as location, and a GKE cluster name (lowercase, at most 40 characters)."
  }

  validation {
    condition = alltrue([
      for t in values(var.targets) :
      can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", t.namespace)) &&
      can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", t.deployment))
    ])
    error_message = "Every targets[*].namespace must be a DNS-1123 label (at most 63 characters) and every deployment a DNS-1123 subdomain."
  }

  validation {
    condition = length(distinct([
      for t in values(var.targets) : "${t.cluster.project}/${t.cluster.location}/${t.cluster.name}/${t.namespace}/${t.deployment}"
    ])) == length(var.targets)
    error_message = "Two targets name the same Deployment (cluster, namespace, deployment); each Deployment may be registered once."
  }

  validation {
    condition = alltrue([
      for t in values(var.targets) :
      t.imagesPerReplica >= 1 && t.imagesPerReplica <= 10000 && floor(t.imagesPerReplica) == t.imagesPerReplica
    ])
    error_message = "Every targets[*].imagesPerReplica must be an integer from 1 to 10000."
  }

  validation {
    condition = alltrue([
      for t in values(var.targets) :
      t.minReplicas >= 0 && floor(t.minReplicas) == t.minReplicas &&
      t.maxReplicas >= 1 && t.maxReplicas <= 10000 && floor(t.maxReplicas) == t.maxReplicas &&
      t.minReplicas <= t.maxReplicas
    ])
    error_message = "Every target needs integer replica bounds with 0 <= minReplicas <= maxReplicas and 1 <= maxReplicas <= 10000."
  }

  validation {
    condition = alltrue([
      for t in values(var.targets) :
      (t.startupSeconds == null ? true : t.startupSeconds >= 0 && t.startupSeconds <= 3600 && floor(t.startupSeconds) == t.startupSeconds) &&
      (t.secondsPerImage == null ? true : t.secondsPerImage >= 0.001 && t.secondsPerImage <= 86400)
    ])
    error_message = "targets[*].startupSeconds (when set) must be an integer from 0 to 3600, and secondsPerImage (when set) a number from 0.001 to 86400."
  }

  validation {
    condition = alltrue([
      for t in values(var.targets) :
      t.scaleIn == null ? true : (
        (t.scaleIn.stabilizationSeconds == null ? true : t.scaleIn.stabilizationSeconds >= 0 && t.scaleIn.stabilizationSeconds <= 3600 && floor(t.scaleIn.stabilizationSeconds) == t.scaleIn.stabilizationSeconds) &&
        (t.scaleIn.staleSeconds == null ? true : t.scaleIn.staleSeconds >= 30 && t.scaleIn.staleSeconds <= 604800 && floor(t.scaleIn.staleSeconds) == t.scaleIn.staleSeconds) &&
        (t.scaleIn.selectPolicy == null ? true : contains(["Max", "Min", "Disabled"], t.scaleIn.selectPolicy)) &&
        (t.scaleIn.policies == null ? true : length(t.scaleIn.policies) >= 1)
      )
    ])
    error_message = "targets[*].scaleIn: stabilizationSeconds must be an integer from 0 to 3600, staleSeconds an integer from 30 to 604800, selectPolicy one of Max, Min, Disabled, and policies (when set) must list at least one policy."
  }

  validation {
    condition = alltrue(flatten([
      for t in values(var.targets) : [
        for p in(t.scaleIn == null ? [] : (t.scaleIn.policies == null ? [] : t.scaleIn.policies)) :
        contains(["Pods", "Percent"], p.type) &&
        p.value >= 1 && p.value <= (p.type == "Percent" ? 100 : 10000) && floor(p.value) == p.value &&
        p.periodSeconds >= 1 && p.periodSeconds <= 1800 && floor(p.periodSeconds) == p.periodSeconds
      ]
    ]))
    error_message = "Every scaleIn policy needs type Pods or Percent, an integer value from 1 (at most 100 for Percent, 10000 for Pods) and an integer periodSeconds from 1 to 1800."
  }

  validation {
    condition     = length(jsonencode(var.targets)) <= 24000
    error_message = "The rendered registry is too large for an environment variable (limit here: 24000 characters); split the deployment."
  }
}

variable "network" {
  type        = string
  description = "VPC network (projects/<project>/global/networks/<name>) that Memorystore is attached to and the functions reach it through. The GKE workers must be on the same network."

  validation {
    condition     = can(regex("^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/global/networks/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.network))
    error_message = "network must be a network id: projects/<project>/global/networks/<name>."
  }
}

variable "vpc_connector" {
  type = object({
    ip_cidr_range = optional(string, "10.8.0.0/28")
    min_instances = optional(number, 2)
    max_instances = optional(number, 3)
    machine_type  = optional(string, "e2-micro")
  })
  description = "Serverless VPC Access connector the functions use to reach Redis (and private GKE endpoints): an unused /28 in the network, and instance bounds."
  default     = {}

  validation {
    condition     = can(cidrhost(var.vpc_connector.ip_cidr_range, 0)) && endswith(var.vpc_connector.ip_cidr_range, "/28")
    error_message = "vpc_connector.ip_cidr_range must be a /28 range such as 10.8.0.0/28."
  }

  validation {
    condition = (
      var.vpc_connector.min_instances >= 2 &&
      var.vpc_connector.max_instances > var.vpc_connector.min_instances &&
      var.vpc_connector.max_instances <= 10
    )
    error_message = "vpc_connector needs 2 <= min_instances < max_instances <= 10."
  }

  validation {
    condition     = contains(["f1-micro", "e2-micro", "e2-standard-4"], var.vpc_connector.machine_type)
    error_message = "vpc_connector.machine_type must be one of f1-micro, e2-micro, e2-standard-4."
  }
}

variable "redis" {
  type = object({
    # instance: Memorystore for Redis (Basic or Standard tier, AUTH string); cluster: Memorystore
    # for Redis Cluster; valkey: Memorystore for Valkey in cluster mode. The last two are reached
    # through Private Service Connect and run the functions' Redis Cluster client.
    kind           = optional(string, "instance")
    tier           = optional(string, "STANDARD_HA")
    memory_size_gb = optional(number, 1)
    redis_version  = optional(string, "REDIS_7_2")
    connect_mode   = optional(string, "DIRECT_PEERING")
    # cluster and valkey: shards, replicas per shard, node type (null: the provider's default), and
    # the subnetwork of `network` the Private Service Connect endpoints take their addresses from.
    shard_count    = optional(number, 3)
    replica_count  = optional(number, 1)
    node_type      = optional(string)
    engine_version = optional(string)
    psc_subnetwork = optional(string)
    # A network holds one service connection policy per service class and region: set false when
    # one already exists for this network and region.
    create_connection_policy = optional(bool, true)
  })
  description = "Memorystore settings. kind = instance (Memorystore for Redis: tier, memory_size_gb, redis_version, connect_mode; AUTH string), cluster (Memorystore for Redis Cluster) or valkey (Memorystore for Valkey, cluster mode); the last two take shard_count, replica_count, node_type, engine_version (valkey) and psc_subnetwork. In-transit encryption (TLS) is always on."
  default     = {}

  validation {
    condition     = contains(["instance", "cluster", "valkey"], var.redis.kind)
    error_message = "redis.kind must be instance, cluster or valkey."
  }

  validation {
    condition     = contains(["BASIC", "STANDARD_HA"], var.redis.tier)
    error_message = "redis.tier must be BASIC or STANDARD_HA."
  }

  validation {
    condition     = var.redis.memory_size_gb >= 1 && var.redis.memory_size_gb <= 300 && floor(var.redis.memory_size_gb) == var.redis.memory_size_gb
    error_message = "redis.memory_size_gb must be an integer in 1..300."
  }

  validation {
    condition     = can(regex("^REDIS_[0-9]+(_[0-9]+)?$", var.redis.redis_version))
    error_message = "redis.redis_version must look like REDIS_7_2."
  }

  validation {
    condition     = contains(["DIRECT_PEERING", "PRIVATE_SERVICE_ACCESS"], var.redis.connect_mode)
    error_message = "redis.connect_mode must be DIRECT_PEERING or PRIVATE_SERVICE_ACCESS."
  }

  validation {
    condition = (
      var.redis.shard_count >= 1 && var.redis.shard_count <= 250 && floor(var.redis.shard_count) == var.redis.shard_count &&
      var.redis.replica_count >= 0 && var.redis.replica_count <= 5 && floor(var.redis.replica_count) == var.redis.replica_count
    )
    error_message = "redis.shard_count must be an integer in 1..250 and redis.replica_count an integer in 0..5."
  }

  validation {
    condition     = var.redis.kind == "instance" || can(regex("^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/regions/[a-z]+-[a-z]+[0-9]+/subnetworks/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.redis.psc_subnetwork))
    error_message = "redis.kind cluster and valkey need redis.psc_subnetwork, a subnetwork id (projects/<project>/regions/<region>/subnetworks/<name>) of the network, for the Private Service Connect endpoints."
  }
}

variable "source_archive" {
  type        = string
  description = "Path of the zip holding the bundled functions (index.js, chunks/, package.json, package-lock.json of dist/function), as produced by the package step of cloudbuild.yaml."

  validation {
    condition     = endswith(var.source_archive, ".zip")
    error_message = "source_archive must be the path of a .zip file."
  }
}

variable "functions" {
  type = object({
    runtime = optional(string, "nodejs24")
    prescale = optional(object({
      min_instances   = optional(number, 0)
      max_instances   = optional(number, 20)
      memory          = optional(string, "512M")
      timeout_seconds = optional(number, 60)
      # Events one instance handles at once. Concurrent events of one target then share scale-up
      # rounds (one read and one write for a burst instead of one per event), and a burst needs
      # fewer instances, so fewer cold starts. Cloud Run allows concurrency above 1 only with at
      # least one whole vCPU, hence cpu "1" (and 512M, room for 80 events in flight).
      concurrency = optional(number, 80)
      cpu         = optional(string, "1")
    }), {})
    reconcile = optional(object({
      min_instances   = optional(number, 0)
      max_instances   = optional(number, 1)
      memory          = optional(string, "512M")
      timeout_seconds = optional(number, 55)
    }), {})
  })
  description = "Runtime and service settings of the two functions. prescale handles `concurrency` events per instance on `cpu` vCPUs. reconcile runs once per schedule tick; one instance is enough and keeps runs from overlapping."
  default     = {}

  validation {
    condition     = contains(["nodejs22", "nodejs24"], var.functions.runtime)
    error_message = "functions.runtime must be nodejs24 (tested) or nodejs22. nodejs20 is gone: Node 20 reached end of life in April 2026 and Cloud Run functions decommissioned the nodejs20 runtime on 2026-10-30."
  }

  validation {
    condition = (
      var.functions.prescale.concurrency >= 1 && var.functions.prescale.concurrency <= 1000 &&
      floor(var.functions.prescale.concurrency) == var.functions.prescale.concurrency &&
      can(tonumber(var.functions.prescale.cpu)) &&
      (var.functions.prescale.concurrency == 1 || try(tonumber(var.functions.prescale.cpu) >= 1, false))
    )
    error_message = "functions.prescale.concurrency must be an integer in 1..1000, and above 1 it needs cpu of at least \"1\" (Cloud Run serves concurrent requests only with a whole vCPU)."
  }

  validation {
    condition = alltrue([
      for f in [var.functions.prescale, var.functions.reconcile] :
      f.min_instances >= 0 && f.max_instances >= 1 && f.min_instances <= f.max_instances &&
      floor(f.min_instances) == f.min_instances && floor(f.max_instances) == f.max_instances
    ])
    error_message = "functions.*: instance counts must be integers with 0 <= min_instances <= max_instances and max_instances >= 1."
  }

  validation {
    condition = alltrue([
      for f in [var.functions.prescale, var.functions.reconcile] : can(regex("^[0-9]+(M|Mi|G|Gi)$", f.memory))
    ])
    error_message = "functions.*.memory must look like 256M, 512Mi or 1G."
  }

  validation {
    condition = (
      var.functions.prescale.timeout_seconds >= 1 && var.functions.prescale.timeout_seconds <= 540 &&
      var.functions.reconcile.timeout_seconds >= 1 && var.functions.reconcile.timeout_seconds <= 1800
    )
    error_message = "functions.prescale.timeout_seconds must be in 1..540 (event functions) and functions.reconcile.timeout_seconds in 1..1800 (the scheduler's attempt deadline)."
  }
}

variable "build_service_account" {
  type        = string
  description = "Email of the service account Cloud Build uses to build the functions; null keeps the project's default build account."
  default     = null

  validation {
    condition     = var.build_service_account == null ? true : can(regex("^[a-z0-9-]+@[a-z0-9-]+\\.iam\\.gserviceaccount\\.com$", var.build_service_account))
    error_message = "build_service_account must be a service account email (name@project.iam.gserviceaccount.com)."
  }
}

variable "reconcile_schedule" {
  type        = string
  description = "Cron schedule (five fields) on which Cloud Scheduler calls reconcile."
  default     = "* * * * *"

  validation {
    condition     = can(regex("^\\S+(\\s+\\S+){4}$", trimspace(var.reconcile_schedule)))
    error_message = "reconcile_schedule must be a five-field cron expression such as \"* * * * *\"."
  }
}

variable "reconcile_time_zone" {
  type        = string
  description = "Time zone of reconcile_schedule (tz database name)."
  default     = "Etc/UTC"

  validation {
    condition     = can(regex("^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", var.reconcile_time_zone))
    error_message = "reconcile_time_zone must be a tz database name such as Etc/UTC or Europe/Paris."
  }
}

variable "reconcile_paused" {
  type        = bool
  description = "Pause the scheduler job: no scale-in for any target while true (scale-up by prescale continues)."
  default     = false
}

variable "key_prefix" {
  type        = string
  description = "Prefix of every Redis key (PRESCALER_KEY_PREFIX); the workers must use the same."
  default     = "prescaler"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,40}$", var.key_prefix))
    error_message = "key_prefix must be 1-40 letters, digits, \".\", \"_\" or \"-\" (braces and colons are reserved for the key layout)."
  }
}

variable "max_images_per_event" {
  type        = number
  description = "Ceiling on images in one event (PRESCALER_MAX_IMAGES_PER_EVENT); larger events are rejected."
  default     = 100000

  validation {
    condition     = var.max_images_per_event >= 1 && var.max_images_per_event <= 100000000 && floor(var.max_images_per_event) == var.max_images_per_event
    error_message = "max_images_per_event must be an integer from 1 to 100000000."
  }
}

variable "reconcile_concurrency" {
  type        = number
  description = "Targets reconcile works on at once (PRESCALER_RECONCILE_CONCURRENCY)."
  default     = 16

  validation {
    condition     = var.reconcile_concurrency >= 1 && var.reconcile_concurrency <= 256 && floor(var.reconcile_concurrency) == var.reconcile_concurrency
    error_message = "reconcile_concurrency must be an integer in 1..256."
  }
}

variable "event_publishers" {
  type        = list(string)
  description = "Principals (e.g. serviceAccount:pipeline@p.iam.gserviceaccount.com) given roles/pubsub.publisher on the events topic."
  default     = []

  validation {
    condition = alltrue([
      for m in var.event_publishers : can(regex("^(serviceAccount|group|user|principal|principalSet):\\S+$", m))
    ])
    error_message = "event_publishers entries must be IAM members such as serviceAccount:..., group:..., user:..., principal:// or principalSet:// (never allUsers or allAuthenticatedUsers)."
  }
}

variable "rejects_subscribers" {
  type        = list(string)
  description = "Principals (operators) given roles/pubsub.subscriber on the rejects subscription to pull, fix and replay rejected events."
  default     = []

  validation {
    condition = alltrue([
      for m in var.rejects_subscribers : can(regex("^(serviceAccount|group|user|principal|principalSet):\\S+$", m))
    ])
    error_message = "rejects_subscribers entries must be IAM members such as group:..., user:... or serviceAccount:... (never allUsers or allAuthenticatedUsers)."
  }
}

variable "rejects_retention" {
  type        = string
  description = "How long the rejects subscription keeps messages (acknowledged ones too, so they can be replayed by seeking), as a duration in seconds such as \"604800s\" (the maximum, 7 days)."
  default     = "604800s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.rejects_retention)) && try(tonumber(trimsuffix(var.rejects_retention, "s")) >= 600 && tonumber(trimsuffix(var.rejects_retention, "s")) <= 604800, false)
    error_message = "rejects_retention must be a duration in seconds between \"600s\" and \"604800s\"."
  }
}

variable "kubernetes_rbac" {
  type        = bool
  description = "Create the Role and RoleBinding in each target namespace with the kubernetes provider passed to this module (which must point at the targets' cluster). Turn off when the RBAC is managed elsewhere, e.g. for targets spread over several clusters."
  default     = true
}

variable "notification_channels" {
  type        = list(string)
  description = "Monitoring notification channel ids (projects/<project>/notificationChannels/<id>) alerted when reconcile keeps failing."
  default     = []

  validation {
    condition     = alltrue([for c in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", c))])
    error_message = "notification_channels entries must be ids of the form projects/<project>/notificationChannels/<id>."
  }
}

variable "reconcile_failure_alert" {
  type = object({
    threshold      = optional(number, 2)
    window_seconds = optional(number, 300)
  })
  description = "The alert on reconcile failures fires when more than threshold failures are logged within window_seconds."
  default     = {}

  validation {
    condition = (
      var.reconcile_failure_alert.threshold >= 0 &&
      var.reconcile_failure_alert.window_seconds >= 60 && var.reconcile_failure_alert.window_seconds <= 86400 &&
      floor(var.reconcile_failure_alert.window_seconds) == var.reconcile_failure_alert.window_seconds
    )
    error_message = "reconcile_failure_alert needs threshold >= 0 and window_seconds an integer in 60..86400."
  }
}

variable "force_destroy_source_bucket" {
  type        = bool
  description = "Let terraform destroy delete the source bucket even when it still holds archives."
  default     = false
}
