variable "project_id" {
  type        = string
  description = "Project that hosts prescaler."
}

variable "region" {
  type        = string
  description = "Region of the functions, Redis and scheduler job."
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name."
  default     = "prescaler"
}

variable "cluster" {
  type = object({
    project  = string
    location = string
    name     = string
  })
  description = "The GKE cluster running the registered Deployments; the kubernetes provider is configured from it."
}

variable "network" {
  type        = string
  description = "VPC network id (projects/<project>/global/networks/<name>) shared by Memorystore, the functions' connector and the GKE workers."
}

variable "targets" {
  # Passed through unchanged: the module declares the full type and validates it.
  type        = any
  description = "The target registry keyed by \"product/model/version\" (see the module's targets variable)."
}

variable "source_archive" {
  type        = string
  description = "Path of the functions' source zip built by cloudbuild.yaml."
}

variable "event_publishers" {
  type        = list(string)
  description = "Principals allowed to publish events (the upstream pipeline's service account)."
  default     = []
}

variable "rejects_subscribers" {
  type        = list(string)
  description = "Principals allowed to pull rejected events (operators)."
  default     = []
}

variable "notification_channels" {
  type        = list(string)
  description = "Monitoring notification channel ids for the reconcile failure alert."
  default     = []
}

variable "reconcile_schedule" {
  type        = string
  description = "Cron schedule of reconcile."
  default     = "* * * * *"
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every resource that takes labels."
  default     = {}
}

variable "redis" {
  type        = any
  description = "The module's redis settings (terraform/variables.tf): kind = instance, cluster or valkey, and that offering's sizes."
  default     = {}
}
