/**
 * The admission policy and binding exactly as the Terraform module renders them: a copy of
 * terraform/variables.tf and terraform/admission-policy.tf (which use no provider) is planned
 * offline with terraform, and the two locals are read back from the plan as JSON.
 */
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from '../../emulator/kube/apiserver/policy.js';
import { exampleVars, planner } from './terraform-plan.js';

export interface RenderedPolicy {
  readonly policy: ValidatingAdmissionPolicy;
  readonly binding: ValidatingAdmissionPolicyBinding;
  /** The Kubernetes user names of the two function accounts. */
  readonly users: { readonly prescale: string; readonly reconcile: string };
}

/** Plans the policy for a project and name prefix; throws with terraform's errors when it fails. */
export function renderAdmissionPolicy(projectId: string, namePrefix = 'prescaler'): Promise<RenderedPolicy> {
  return Promise.resolve().then(() => render(projectId, namePrefix));
}

function render(projectId: string, namePrefix: string): RenderedPolicy {
  const scratch = planner(
    ['variables.tf', 'admission-policy.tf'],
    [
      'output "policy" {\n  value = local.admission_policy\n}',
      'output "binding" {\n  value = local.admission_policy_binding\n}',
      'output "users" {\n  value = local.function_users\n}',
      '',
    ].join('\n'),
  );
  try {
    const { status, stderr, outputs } = scratch.plan({
      project_id: projectId,
      name_prefix: namePrefix,
      region: 'europe-west1',
      network: `projects/${projectId}/global/networks/ml-vpc`,
      source_archive: 'function-source.zip',
      targets: exampleVars.targets,
    });
    if (status !== 0) throw new Error(`terraform plan failed: ${stderr}`);
    return {
      policy: outputs.policy as ValidatingAdmissionPolicy,
      binding: outputs.binding as ValidatingAdmissionPolicyBinding,
      users: outputs.users as RenderedPolicy['users'],
    };
  } finally {
    scratch.remove();
  }
}
