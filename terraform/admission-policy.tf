# What a pod update from the prescaler identities may change: the two annotations reconcile sets
# to rank pods for scale-in, nothing else. RBAC cannot say this (a pod patch right covers the
# whole pod, image included), so a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1,
# GA in Kubernetes 1.30) denies any other change: a stolen function token cannot swap an image,
# relabel a pod into another Service, or touch its spec. Other users are not matched.
#
# The policy and its binding are locals built from variables alone (this file uses no provider),
# so a test renders them with terraform offline and loads exactly this policy into the API
# emulator; admission.tf creates them in the cluster.

locals {
  # Kubernetes user names of the two function accounts: GKE names a Google service account by
  # its email (account ids as in main.tf; the preconditions below keep the two in step).
  function_users = {
    prescale  = "${var.name_prefix}-prescale@${var.project_id}.iam.gserviceaccount.com"
    reconcile = "${var.name_prefix}-reconcile@${var.project_id}.iam.gserviceaccount.com"
  }

  admission_policy = {
    apiVersion = "admissionregistration.k8s.io/v1"
    kind       = "ValidatingAdmissionPolicy"
    metadata = {
      name = "${var.name_prefix}-pod-annotations-only"
    }
    spec = {
      failurePolicy = "Fail"
      matchConstraints = {
        resourceRules = [{
          apiGroups   = [""]
          apiVersions = ["v1"]
          operations  = ["UPDATE"]
          resources   = ["pods"]
        }]
      }
      matchConditions = [{
        name       = "prescaler-identities"
        expression = "request.userInfo.username in ['${local.function_users.prescale}', '${local.function_users.reconcile}']"
      }]
      variables = [
        {
          name       = "allowed"
          expression = "['controller.kubernetes.io/pod-deletion-cost', 'cluster-autoscaler.kubernetes.io/safe-to-evict']"
        },
        {
          name       = "newAnnotations"
          expression = "has(object.metadata.annotations) ? object.metadata.annotations : {}"
        },
        {
          name       = "oldAnnotations"
          expression = "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
        },
      ]
      validations = [
        {
          expression = "object.spec == oldObject.spec"
          message    = "prescaler may not change a pod's spec"
        },
        {
          expression = "(has(object.metadata.labels) ? object.metadata.labels : {}) == (has(oldObject.metadata.labels) ? oldObject.metadata.labels : {})"
          message    = "prescaler may not change a pod's labels"
        },
        {
          expression = "variables.newAnnotations.all(k, k in variables.allowed || (k in variables.oldAnnotations && variables.oldAnnotations[k] == variables.newAnnotations[k])) && variables.oldAnnotations.all(k, k in variables.allowed || k in variables.newAnnotations)"
          message    = "prescaler may change only the controller.kubernetes.io/pod-deletion-cost and cluster-autoscaler.kubernetes.io/safe-to-evict annotations of a pod"
        },
        {
          expression = "(has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : []) && (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])"
          message    = "prescaler may not change a pod's finalizers or owner references"
        },
      ]
    }
  }

  admission_policy_binding = {
    apiVersion = "admissionregistration.k8s.io/v1"
    kind       = "ValidatingAdmissionPolicyBinding"
    metadata = {
      name = "${var.name_prefix}-pod-annotations-only"
    }
    spec = {
      policyName        = "${var.name_prefix}-pod-annotations-only"
      validationActions = ["Deny"]
    }
  }
}
