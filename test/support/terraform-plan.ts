/**
 * `terraform plan` on provider-free files of the module (variables.tf, registry.tf,
 * redis-settings.tf), offline: the variables' validations and the locals those files compute are
 * evaluated by terraform itself. `planner(files, outputs)` copies the files with an outputs.tf
 * into a scratch directory and returns a function planning it with given variables; `baseVars()`
 * is the module's required inputs plus the complete example's variables.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHclFile, terraformEnv } from './terraform.js';

export type Vars = Record<string, unknown>;

export const TFVARS = 'terraform/examples/complete/terraform.tfvars.example';
const tfvars = (await parseHclFile(TFVARS)) as Vars;
/** The example's variables (`cluster` belongs to the example root only). */
export const exampleVars: Vars = Object.fromEntries(Object.entries(tfvars).filter(([k]) => k !== 'cluster'));

/** The module's required inputs (the build sets these) plus the example's variables. */
export function baseVars(): Vars {
  return JSON.parse(
    JSON.stringify({
      project_id: 'acme-ml-prod',
      region: 'europe-west1',
      network: 'projects/acme-ml-prod/global/networks/ml-vpc',
      source_archive: 'function-source.zip',
      ...exampleVars,
    }),
  ) as Vars;
}

export interface Plan {
  readonly status: number | null;
  readonly stderr: string;
  /** The planned outputs' values (absent when the plan failed). */
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface Planner {
  readonly plan: (vars: Vars) => Plan;
  readonly dir: string;
  readonly remove: () => void;
}

/** A scratch copy of `files` of the module (or of `from`) with `outputs` as outputs.tf. */
export function planner(files: readonly string[], outputs: string, from = 'terraform'): Planner {
  const dir = mkdtempSync(join(tmpdir(), 'prescaler-plan-'));
  for (const file of files) copyFileSync(join(from, file), join(dir, file));
  writeFileSync(join(dir, 'outputs.tf'), outputs);
  let runs = 0;
  const plan = (vars: Vars): Plan => {
    const name = `case-${++runs}`;
    writeFileSync(join(dir, `${name}.tfvars.json`), JSON.stringify(vars));
    const run = (args: string[]) =>
      spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: terraformEnv() });
    const result = run([
      'plan',
      '-no-color',
      '-input=false',
      '-lock=false',
      '-compact-warnings',
      `-var-file=${name}.tfvars.json`,
      `-out=${name}.tfplan`,
    ]);
    if (result.status !== 0) return { status: result.status, stderr: result.stderr, outputs: {} };
    const shown = JSON.parse(run(['show', '-json', `${name}.tfplan`]).stdout) as {
      planned_values?: { outputs?: Record<string, { value?: unknown }> };
    };
    const planned = shown.planned_values?.outputs ?? {};
    return {
      status: 0,
      stderr: result.stderr,
      outputs: Object.fromEntries(Object.entries(planned).map(([k, v]) => [k, v.value])),
    };
  };
  return { plan, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
