# The admission policy of admission-policy.tf and its binding, created in the targets' cluster
# through the kubernetes provider passed to this module (with the Roles of rbac.tf).

resource "kubernetes_manifest" "pod_policy" {
  count    = var.kubernetes_rbac ? 1 : 0
  manifest = local.admission_policy

  lifecycle {
    precondition {
      condition     = local.function_users.prescale == google_service_account.prescale.email && local.function_users.reconcile == google_service_account.reconcile.email
      error_message = "The admission policy names the function accounts by their emails; they differ from the accounts main.tf creates."
    }
  }
}

resource "kubernetes_manifest" "pod_policy_binding" {
  count    = var.kubernetes_rbac ? 1 : 0
  manifest = local.admission_policy_binding

  depends_on = [kubernetes_manifest.pod_policy]
}
