# In each target namespace: one Role per function, each with what that function calls, bound to
# that function's account alone. GKE authenticates a Google service account as a Kubernetes User
# named by its email. The rules are defined once in shared/kube/rbac-rules.ts (a test compares):
#   prescale   apps deployments/scale get, update         - read and raise replicas
#   reconcile  apps deployments/scale get, update         - read and lower replicas
#              apps deployments       get                 - read the prescaler.dev/paused annotation
#              apps replicasets       list                - which pods a scale-in removes during a rollout
#              core pods              list, patch         - rank pods with controller.kubernetes.io/pod-deletion-cost
#                                                           and cluster-autoscaler.kubernetes.io/safe-to-evict
#              autoscaling horizontalpodautoscalers, keda.sh scaledobjects get, list
#                                                         - detect another autoscaler on the target
# Nothing patches deployments/scale; nothing may be created or deleted. ReplicaSets, pods and
# autoscalers cannot be limited by name (list ignores resourceNames), so a pod patch is narrowed by the
# admission policy in admission.tf to the two annotations reconcile sets.

locals {
  rbac_labels = {
    "app.kubernetes.io/name"       = "prescaler"
    "app.kubernetes.io/managed-by" = "terraform"
  }
}

resource "kubernetes_role_v1" "prescale" {
  for_each = var.kubernetes_rbac ? local.namespaces : {}

  metadata {
    name      = "${var.name_prefix}-prescale"
    namespace = each.key
    labels    = local.rbac_labels
  }

  rule {
    api_groups     = ["apps"]
    resources      = ["deployments/scale"]
    resource_names = each.value
    verbs          = ["get", "update"]
  }

  lifecycle {
    precondition {
      condition     = length(local.clusters) == 1
      error_message = "kubernetes_rbac creates the RBAC through one kubernetes provider, so every target must be on one cluster; found ${length(local.clusters)}. Set kubernetes_rbac = false and create the Roles per cluster (see docs/deploy.md)."
    }
  }
}

resource "kubernetes_role_v1" "reconcile" {
  for_each = var.kubernetes_rbac ? local.namespaces : {}

  metadata {
    name      = "${var.name_prefix}-reconcile"
    namespace = each.key
    labels    = local.rbac_labels
  }

  rule {
    api_groups     = ["apps"]
    resources      = ["deployments/scale"]
    resource_names = each.value
    verbs          = ["get", "update"]
  }

  rule {
    api_groups     = ["apps"]
    resources      = ["deployments"]
    resource_names = each.value
    verbs          = ["get"]
  }

  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["list", "patch"]
  }

  rule {
    api_groups = ["apps"]
    resources  = ["replicasets"]
    verbs      = ["list"]
  }

  rule {
    api_groups = ["autoscaling"]
    resources  = ["horizontalpodautoscalers"]
    verbs      = ["get", "list"]
  }

  rule {
    api_groups = ["keda.sh"]
    resources  = ["scaledobjects"]
    verbs      = ["get", "list"]
  }

  lifecycle {
    precondition {
      condition     = length(local.clusters) == 1
      error_message = "kubernetes_rbac creates the RBAC through one kubernetes provider, so every target must be on one cluster; found ${length(local.clusters)}. Set kubernetes_rbac = false and create the Roles per cluster (see docs/deploy.md)."
    }
  }
}

resource "kubernetes_role_binding_v1" "prescale" {
  for_each = kubernetes_role_v1.prescale

  metadata {
    name      = each.value.metadata[0].name
    namespace = each.key
    labels    = local.rbac_labels
  }

  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = each.value.metadata[0].name
  }

  subject {
    api_group = "rbac.authorization.k8s.io"
    kind      = "User"
    name      = google_service_account.prescale.email
  }
}

resource "kubernetes_role_binding_v1" "reconcile" {
  for_each = kubernetes_role_v1.reconcile

  metadata {
    name      = each.value.metadata[0].name
    namespace = each.key
    labels    = local.rbac_labels
  }

  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = each.value.metadata[0].name
  }

  subject {
    api_group = "rbac.authorization.k8s.io"
    kind      = "User"
    name      = google_service_account.reconcile.email
  }
}
