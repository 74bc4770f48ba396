/**
 * The admission policy and binding exactly as the Terraform module renders them: a copy of
 * terraform/variables.tf and terraform/admission-policy.tf (which use no provider) is planned
 * offline with terraform, and the two locals are read back from the plan as JSON.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from '../../emulator/kube/apiserver/policy.js';
import { parseHclFile, terraformEnv } from './terraform.js';

export interface RenderedPolicy {
  readonly policy: ValidatingAdmissionPolicy;
  readonly binding: ValidatingAdmissionPolicyBinding;
  /** The Kubernetes user names of the two function accounts. */
  readonly users: { readonly prescale: string; readonly reconcile: string };
}

/** Plans the policy for a project and name prefix; throws with terraform's errors when it fails. */
export async function renderAdmissionPolicy(
  projectId: string,
  namePrefix = 'prescaler',
): Promise<RenderedPolicy> {
  const dir = mkdtempSync(join(tmpdir(), 'prescaler-policy-'));
  try {
    copyFileSync('terraform/variables.tf', join(dir, 'variables.tf'));
    copyFileSync('terraform/admission-policy.tf', join(dir, 'admission-policy.tf'));
    writeFileSync(
      join(dir, 'outputs.tf'),
      [
        'output "policy" {\n  value = local.admission_policy\n}',
        'output "binding" {\n  value = local.admission_policy_binding\n}',
        'output "users" {\n  value = local.function_users\n}',
        '',
      ].join('\n'),
    );
    const tfvars = await parseHclFile('terraform/examples/complete/terraform.tfvars.example');
    writeFileSync(
      join(dir, 'vars.tfvars.json'),
      JSON.stringify({
        project_id: projectId,
        name_prefix: namePrefix,
        region: 'europe-west1',
        network: `projects/${projectId}/global/networks/ml-vpc`,
        source_archive: 'function-source.zip',
        targets: tfvars.targets,
      }),
    );
    const run = (args: string[]) =>
      spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: terraformEnv() });
    const plan = run([
      'plan',
      '-no-color',
      '-input=false',
      '-lock=false',
      '-var-file=vars.tfvars.json',
      '-out=p.tfplan',
    ]);
    if (plan.status !== 0) throw new Error(`terraform plan failed: ${plan.stderr}`);
    const shown = JSON.parse(run(['show', '-json', 'p.tfplan']).stdout) as {
      planned_values: { outputs: Record<string, { value: unknown }> };
    };
    const outputs = shown.planned_values.outputs;
    return {
      policy: outputs.policy?.value as ValidatingAdmissionPolicy,
      binding: outputs.binding?.value as ValidatingAdmissionPolicyBinding,
      users: outputs.users?.value as RenderedPolicy['users'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
