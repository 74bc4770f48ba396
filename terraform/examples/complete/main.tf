/**
 * A complete prescaler deployment: the module, with a kubernetes provider pointed at the GKE
 * cluster that runs the registered Deployments (for the per-namespace Role and RoleBinding).
 */

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_client_config" "default" {}

data "google_container_cluster" "targets" {
  project  = var.cluster.project
  location = var.cluster.location
  name     = var.cluster.name
}

# The identity running Terraform needs RBAC rights to create Roles in the target namespaces
# (e.g. roles/container.admin on the cluster's project, or a cluster-admin binding).
provider "kubernetes" {
  host                   = "https://${data.google_container_cluster.targets.endpoint}"
  token                  = data.google_client_config.default.access_token
  cluster_ca_certificate = base64decode(data.google_container_cluster.targets.master_auth[0].cluster_ca_certificate)
}

module "prescaler" {
  source = "../.."

  project_id            = var.project_id
  region                = var.region
  name_prefix           = var.name_prefix
  network               = var.network
  targets               = var.targets
  source_archive        = var.source_archive
  event_publishers      = var.event_publishers
  rejects_subscribers   = var.rejects_subscribers
  notification_channels = var.notification_channels
  reconcile_schedule    = var.reconcile_schedule
  labels                = var.labels
  redis                 = var.redis
}
