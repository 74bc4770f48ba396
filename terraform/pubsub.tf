# Incoming "N images incoming" events. The upstream pipeline publishes here; the prescale
# function's Eventarc trigger creates its own push subscription on this topic.
resource "google_pubsub_topic" "events" {
  project = var.project_id
  name    = "${var.name_prefix}-events"
  labels  = local.labels
}

# Events prescale rejects for good (malformed, unknown target, too many images) are published
# here by the function (PRESCALER_REJECTS_TOPIC) and then acknowledged, so a bad message is
# never retried forever. The Eventarc subscription cannot be given a dead-letter
# policy from Terraform, hence this explicit topic.
resource "google_pubsub_topic" "rejects" {
  project = var.project_id
  name    = "${var.name_prefix}-rejects"
  labels  = local.labels
}

# Operators pull rejected events from this subscription, fix them and republish them to the
# events topic. Acknowledged messages are retained too, so a pull can be replayed by seeking.
resource "google_pubsub_subscription" "rejects" {
  project                    = var.project_id
  name                       = "${var.name_prefix}-rejects"
  topic                      = google_pubsub_topic.rejects.id
  ack_deadline_seconds       = 60
  message_retention_duration = var.rejects_retention
  retain_acked_messages      = true
  labels                     = local.labels

  # Never delete the subscription for inactivity: rejects are rare and must still be there.
  expiration_policy {
    ttl = ""
  }
}
