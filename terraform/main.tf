/**
 * prescaler: scale GKE Deployments up when a batch of images is announced on Pub/Sub, and back
 * in as the work drains. This file holds the shared locals, the service accounts and the source
 * bucket; the other files are split by concern (registry, pubsub, redis, functions, scheduler,
 * iam, rbac, monitoring).
 */

locals {
  labels = merge({ "app" = "prescaler", "managed-by" = "terraform" }, var.labels)

  # Projects holding the targets' clusters: the function accounts need container.clusters.get there.
  cluster_projects = toset([for t in values(var.targets) : t.cluster.project])
  clusters         = distinct([for t in values(var.targets) : "projects/${t.cluster.project}/locations/${t.cluster.location}/clusters/${t.cluster.name}"])

  # Namespace => the registered Deployments in it (the RBAC rules are limited to these names).
  namespaces = {
    for ns in distinct([for t in values(var.targets) : t.namespace]) :
    ns => sort(distinct([for t in values(var.targets) : t.deployment if t.namespace == ns]))
  }

  # The accounts that run the two functions (the ones Kubernetes RBAC and Secret Manager know).
  function_accounts = {
    prescale  = google_service_account.prescale.email
    reconcile = google_service_account.reconcile.email
  }

  network_project = split("/", var.network)[1]
  network_name    = split("/", var.network)[4]
}

# One identity per job, so each holds only what its job needs.

resource "google_service_account" "prescale" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-prescale"
  display_name = "prescaler: prescale function"
  description  = "Runs the prescale function: scales registered Deployments up, writes batches to Redis, publishes rejects."
}

resource "google_service_account" "reconcile" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-reconcile"
  display_name = "prescaler: reconcile function"
  description  = "Runs the reconcile function: scales registered Deployments in and ranks their pods."
}

resource "google_service_account" "trigger" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-trigger"
  display_name = "prescaler: prescale event trigger"
  description  = "Identity Eventarc uses to deliver events-topic messages to the prescale function."
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "prescaler: reconcile scheduler"
  description  = "Identity of the Cloud Scheduler job; the only principal allowed to invoke reconcile."
}

# The built functions, uploaded once per content hash so a new build redeploys both functions.

resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = "${var.project_id}-${var.name_prefix}-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_source_bucket
  labels                      = local.labels
}

resource "google_storage_bucket_object" "source" {
  bucket = google_storage_bucket.source.name
  name   = "prescaler-${filemd5(var.source_archive)}.zip"
  source = var.source_archive
}
