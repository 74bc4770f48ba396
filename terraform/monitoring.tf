# Log-based metrics over the JSON lines the functions write (one line per event; Cloud Logging
# parses them into jsonPayload). Gen2 functions log as Cloud Run revisions of their service.

locals {
  function_logs = "resource.type=\"cloud_run_revision\" AND (resource.labels.service_name=\"${google_cloudfunctions2_function.prescale.name}\" OR resource.labels.service_name=\"${google_cloudfunctions2_function.reconcile.name}\")"
}

# One line per scaling decision: {severity, message, target, batchId, from, to, reason, latencyMs}.
resource "google_logging_metric" "scaling_decisions" {
  project = var.project_id
  name    = "${var.name_prefix}/scaling_decisions"
  filter  = "${local.function_logs} AND jsonPayload.target:* AND jsonPayload.from:* AND jsonPayload.to:* AND jsonPayload.reason:*"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "prescaler scaling decisions"

    labels {
      key         = "target"
      value_type  = "STRING"
      description = "Registry key product/model/version"
    }
    labels {
      key         = "reason"
      value_type  = "STRING"
      description = "Why the replica count was chosen"
    }
    labels {
      key         = "service"
      value_type  = "STRING"
      description = "Function that decided (prescale or reconcile)"
    }
  }

  label_extractors = {
    "target"  = "EXTRACT(jsonPayload.target)"
    "reason"  = "EXTRACT(jsonPayload.reason)"
    "service" = "EXTRACT(resource.labels.service_name)"
  }
}

# Time from the event (or reconcile tick) to the scale call, per decision: one of the
# distribution metrics of dashboard.tf (local.decision_values).
moved {
  from = google_logging_metric.decision_latency
  to   = google_logging_metric.decision_values["decision_latency"]
}

# Events rejected for good (published to the rejects topic).
resource "google_logging_metric" "rejected_events" {
  project = var.project_id
  name    = "${var.name_prefix}/rejected_events"
  filter  = "${local.function_logs} AND jsonPayload.event=\"rejected\""

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "prescaler rejected events"
  }
}

# reconcile runs that failed.
resource "google_logging_metric" "reconcile_failures" {
  project = var.project_id
  name    = "${var.name_prefix}/reconcile_failures"
  filter  = "${local.function_logs} AND jsonPayload.event=\"reconcile_failed\" AND severity=ERROR"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "prescaler reconcile failures"
  }
}

resource "google_monitoring_alert_policy" "reconcile_failures" {
  project               = var.project_id
  display_name          = "prescaler: reconcile failing"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "reconcile failures above ${var.reconcile_failure_alert.threshold} in ${var.reconcile_failure_alert.window_seconds}s"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.reconcile_failures.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.reconcile_failure_alert.threshold
      duration        = "0s"

      aggregations {
        alignment_period     = "${var.reconcile_failure_alert.window_seconds}s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      reconcile (${google_cloudfunctions2_function.reconcile.name}) keeps failing, so targets are not scaled in
      and idle replicas keep running. Scale-up by prescale is not affected.
      Look at the function's ERROR lines with `jsonPayload.event="reconcile_failed"`: Redis unreachable
      (VPC connector, AUTH secret, CA), the Kubernetes API refusing the account (RBAC, clusterViewer),
      or the scheduler's calls rejected (invoker role).
    EOT
  }
}
