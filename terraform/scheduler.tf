# Calls reconcile on a schedule. The request carries an OIDC token minted for the scheduler's own
# account with the function's URL as audience; Cloud Run checks it before the function runs.
resource "google_cloud_scheduler_job" "reconcile" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-reconcile"
  description = "Runs prescaler reconcile (scale-in as work drains)."
  schedule    = var.reconcile_schedule
  time_zone   = var.reconcile_time_zone
  paused      = var.reconcile_paused
  # A little longer than the function may run, so the scheduler reports the function's own outcome.
  attempt_deadline = "${var.functions.reconcile.timeout_seconds + 5}s"

  # A missed run is made up by the next tick; retrying would only pile calls onto a busy instance.
  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.reconcile.service_config[0].uri
    body        = base64encode("{}")
    headers = {
      "Content-Type" = "application/json"
    }

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = google_cloudfunctions2_function.reconcile.service_config[0].uri
    }
  }

  depends_on = [google_cloud_run_service_iam_member.reconcile_invoker]
}
