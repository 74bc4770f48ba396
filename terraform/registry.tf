# The target registry as the JSON the functions read (PRESCALER_TARGETS). This file uses nothing
# but var.targets, so a test can evaluate it with terraform alone, without any provider.

locals {
  # Optional attributes left unset are null in the typed variable; they are dropped here so the
  # JSON carries only what the operator wrote and the functions apply their own defaults. (A for expression over an object keeps each attribute's
  # type, so the result is an object of mixed types, which jsonencode renders as-is.)
  registry = {
    for key, t in var.targets : key => merge(
      { for k, v in t : k => v if v != null && k != "scaleIn" },
      { for k, v in { scaleIn = t.scaleIn } : k => { for kk, vv in v : kk => vv if vv != null } if v != null },
    )
  }
  targets_json = jsonencode({ targets = local.registry })
}
