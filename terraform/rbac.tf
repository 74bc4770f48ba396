# In each target namespace: a Role limited to the registered Deployments, bound to the two function
# accounts. GKE authenticates a Google service account as a Kubernetes User named by its email.
#   apps deployments/scale get, update, patch  - read and set replicas
#   apps deployments       get                 - read the prescaler.dev/paused annotation
#   core pods              list, patch         - rank pods with controller.kubernetes.io/pod-deletion-cost
#                                                and cluster-autoscaler.kubernetes.io/safe-to-evict
#   apps replicasets       list                - which pods a scale-in removes during a rollout
#   autoscaling hpa        get, list           - another autoscaler on a Deployment is a conflict
#   keda.sh scaledobjects  get, list           - (the same for KEDA; harmless where KEDA is absent)
# Pods cannot be limited by name (list ignores resourceNames); nothing may be created or deleted.

resource "kubernetes_role_v1" "prescaler" {
  for_each = var.kubernetes_rbac ? local.namespaces : {}

  metadata {
    name      = var.name_prefix
    namespace = each.key
    labels = {
      "app.kubernetes.io/name"       = "prescaler"
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }

  rule {
    api_groups     = ["apps"]
    resources      = ["deployments/scale"]
    resource_names = each.value
    verbs          = ["get", "update", "patch"]
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
      error_message = "kubernetes_rbac creates the RBAC through one kubernetes provider, so every target must be on one cluster; found ${length(local.clusters)}. Set kubernetes_rbac = false and create the Role per cluster (see docs/deploy.md)."
    }
  }
}

resource "kubernetes_role_binding_v1" "prescaler" {
  for_each = kubernetes_role_v1.prescaler

  metadata {
    name      = var.name_prefix
    namespace = each.key
    labels = {
      "app.kubernetes.io/name"       = "prescaler"
      "app.kubernetes.io/managed-by" = "terraform"
    }
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

  subject {
    api_group = "rbac.authorization.k8s.io"
    kind      = "User"
    name      = google_service_account.reconcile.email
  }
}
