# Cloud Monitoring dashboard over the log-based metrics of monitoring.tf: per target, the replicas
# prescaler wants against those the Deployment has after each decision, the images outstanding,
# decisions per minute and their latency; and the faults: rejected events, reconcile failures.
# The layout is dashboard.json.tftpl; each chart names its metric through `metric` below.

locals {
  # Distribution metrics read from the decision lines (prescale and reconcile both log them);
  # decision_latency from every line that has a latency (the scale call's time since the event).
  decision_values = {
    replicas_desired   = { field = "desired", display = "replicas desired", unit = "1", buckets = 24, decisions_only = true }
    replicas_written   = { field = "to", display = "replicas after the decision (written or already there)", unit = "1", buckets = 24, decisions_only = true }
    outstanding_images = { field = "outstanding", display = "images outstanding", unit = "1", buckets = 24, decisions_only = true }
    decision_latency   = { field = "latencyMs", display = "decision latency", unit = "ms", buckets = 20, decisions_only = false }
  }
}

resource "google_logging_metric" "decision_values" {
  for_each        = local.decision_values
  project         = var.project_id
  name            = "${var.name_prefix}/${each.key}"
  filter          = "${local.function_logs} AND jsonPayload.target:* AND jsonPayload.${each.value.field}:*${each.value.decisions_only ? " AND (jsonPayload.event=\"prescale\" OR jsonPayload.event=\"reconcile\")" : ""}"
  value_extractor = "EXTRACT(jsonPayload.${each.value.field})"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = each.value.unit
    display_name = "prescaler ${each.value.display}"

    labels {
      key         = "target"
      value_type  = "STRING"
      description = "Registry key product/model/version"
    }
  }

  label_extractors = {
    "target" = "EXTRACT(jsonPayload.target)"
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = each.value.buckets
      growth_factor      = 2
      scale              = 1
    }
  }
}

resource "google_monitoring_dashboard" "prescaler" {
  project = var.project_id
  dashboard_json = templatefile("${path.module}/dashboard.json.tftpl", {
    title = "prescaler (${var.name_prefix})"
    metric = {
      replicas_desired   = google_logging_metric.decision_values["replicas_desired"].name
      replicas_written   = google_logging_metric.decision_values["replicas_written"].name
      outstanding_images = google_logging_metric.decision_values["outstanding_images"].name
      scaling_decisions  = google_logging_metric.scaling_decisions.name
      decision_latency   = google_logging_metric.decision_values["decision_latency"].name
      rejected_events    = google_logging_metric.rejected_events.name
      reconcile_failures = google_logging_metric.reconcile_failures.name
    }
  })
}
