# Every grant here is the narrowest that lets one account do its one job.

# Invoking reconcile: the scheduler's account, and nobody else.
resource "google_cloud_run_service_iam_member" "reconcile_invoker" {
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.reconcile.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}

# Delivering events to prescale: the Eventarc trigger's account, and nobody else.
resource "google_cloud_run_service_iam_member" "prescale_invoker" {
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.prescale.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.trigger.email}"
}

# Reaching the clusters: container.clusters.get (endpoint and CA) is all IAM has to allow; what the
# functions may do inside a cluster is Kubernetes RBAC (rbac.tf). No predefined role holds that
# permission alone (roles/container.clusterViewer adds clusters.list and more on every cluster of
# the project), and GKE clusters take no resource-level IAM bindings, so a custom role with this
# one permission is defined in each project holding a target cluster and granted there.
# (A deleted custom role keeps its id for 7 days: recreate within that time under another prefix.)
resource "google_project_iam_custom_role" "cluster_get" {
  for_each = local.cluster_projects

  project     = each.value
  role_id     = "${replace(var.name_prefix, "-", "_")}_cluster_get"
  title       = "prescaler: get cluster endpoint"
  description = "Read a GKE cluster's endpoint and CA, nothing else; lets the prescaler functions authenticate to the Kubernetes API."
  permissions = ["container.clusters.get"]
}

resource "google_project_iam_member" "cluster_get" {
  for_each = {
    for pair in setproduct(sort(tolist(local.cluster_projects)), keys(local.function_accounts)) :
    "${pair[0]}/${pair[1]}" => { project = pair[0], account = local.function_accounts[pair[1]] }
  }

  project = each.value.project
  role    = google_project_iam_custom_role.cluster_get[each.value.project].name
  member  = "serviceAccount:${each.value.account}"
}

# The Redis AUTH string: readable by the two function accounts, on this one secret only.
resource "google_secret_manager_secret_iam_member" "redis_auth" {
  for_each = { for k, v in local.function_accounts : k => v if local.redis_auth_string }

  project   = var.project_id
  secret_id = google_secret_manager_secret.redis_auth[0].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${each.value}"
}

# prescale publishes permanently rejected events; only to the rejects topic.
resource "google_pubsub_topic_iam_member" "rejects_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.rejects.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.prescale.email}"
}

# The upstream pipeline publishes "N images incoming" events.
resource "google_pubsub_topic_iam_member" "event_publishers" {
  for_each = toset(var.event_publishers)

  project = var.project_id
  topic   = google_pubsub_topic.events.name
  role    = "roles/pubsub.publisher"
  member  = each.value
}

# Operators pull rejected events to fix and replay them.
resource "google_pubsub_subscription_iam_member" "rejects_subscribers" {
  for_each = toset(var.rejects_subscribers)

  project      = var.project_id
  subscription = google_pubsub_subscription.rejects.name
  role         = "roles/pubsub.subscriber"
  member       = each.value
}
