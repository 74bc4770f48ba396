/**
 * cloudbuild.yaml: the steps run in the order that keeps anything from being applied before the
 * checks and tests pass, each step does what its id says, and every substitution it uses is
 * declared (Cloud Build rejects undeclared ones) and documented in the file's header.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

interface Step {
  readonly id?: unknown;
  readonly name?: unknown;
  readonly entrypoint?: unknown;
  readonly args?: unknown;
}

const SOURCE = readFileSync('cloudbuild.yaml', 'utf8');
const doc = parse(SOURCE) as { steps?: unknown; substitutions?: unknown; timeout?: unknown };
const steps: Step[] = Array.isArray(doc.steps) ? (doc.steps as Step[]) : [];
const substitutions: Record<string, unknown> =
  doc.substitutions !== null && typeof doc.substitutions === 'object'
    ? (doc.substitutions as Record<string, unknown>)
    : {};

/** Built-in substitutions Cloud Build provides. */
const BUILT_INS = new Set([
  'PROJECT_ID',
  'PROJECT_NUMBER',
  'BUILD_ID',
  'LOCATION',
  'TRIGGER_NAME',
  'COMMIT_SHA',
  'SHORT_SHA',
  'REVISION_ID',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL',
  'SERVICE_ACCOUNT',
]);

function commandOf(step: Step | undefined): string {
  if (!step) return '';
  const args = Array.isArray(step.args) ? step.args.map(String) : [];
  return [typeof step.entrypoint === 'string' ? step.entrypoint : '', ...args].join(' ');
}

function step(id: string): Step | undefined {
  return steps.find((s) => s.id === id);
}

/** `$VAR` / `${VAR}` uses in a text, skipping `$$` (a literal dollar for the shell). */
function substitutionsUsed(textIn: string): string[] {
  const names = new Set<string>();
  for (const match of textIn.replace(/\$\$/g, '').matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)) {
    names.add(match[1] ?? '');
  }
  return [...names];
}

const ORDER = [
  'install',
  'check',
  'unit',
  'build',
  'package',
  'terraform-init',
  'terraform-plan',
  'terraform-apply',
];

describe('cloudbuild.yaml', () => {
  it('runs install, check, unit, build, package, terraform init, plan, apply in that order', () => {
    const ids = steps.map((s) => String(s.id));
    const positions = ORDER.map((id) => ids.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('gives every step an id and an image', () => {
    for (const s of steps) {
      expect(typeof s.id).toBe('string');
      expect(typeof s.name).toBe('string');
    }
  });

  it('runs the npm scripts the steps are named after', () => {
    expect(commandOf(step('install'))).toBe('npm ci');
    expect(commandOf(step('check'))).toBe('npm run check');
    expect(commandOf(step('unit'))).toBe('npm run test:unit');
    expect(commandOf(step('build'))).toBe('npm run build');
  });

  it('packages the bundled artifact, its package.json and lock file into the zip terraform deploys', () => {
    const pkg = commandOf(step('package'));
    expect(pkg).toMatch(
      /zipfile -c \.\.\/\.\.\/build\/function-source\.zip index\.js prime-compile-cache\.js chunks package\.json package-lock\.json/,
    );
    expect(pkg).toContain('cd dist/function');
    expect(pkg).not.toContain('.lua');
    const ids = steps.map((s) => String(s.id));
    expect(ids.indexOf('lock')).toBeGreaterThan(ids.indexOf('build'));
    expect(ids.indexOf('lock')).toBeLessThan(ids.indexOf('package'));
    expect(commandOf(step('lock'))).toBe(
      'npm install --package-lock-only --ignore-scripts --no-audit --no-fund',
    );
    expect((step('lock') as { dir?: unknown }).dir).toBe('dist/function');
    expect(commandOf(step('terraform-plan'))).toContain(
      '-var=source_archive=/workspace/build/function-source.zip',
    );
  });

  it('initialises terraform against the state bucket, then applies exactly the saved plan', () => {
    const init = commandOf(step('terraform-init'));
    expect(init).toMatch(/\binit\b/);
    expect(init).toContain('-backend-config=bucket=${_STATE_BUCKET}');
    const plan = commandOf(step('terraform-plan'));
    expect(plan).toMatch(/\bplan\b/);
    expect(plan).toContain('-out=/workspace/build/prescaler.tfplan');
    expect(plan).toContain('-var=region=${_REGION}');
    expect(plan).toContain('-var-file=');
    const apply = commandOf(step('terraform-apply'));
    expect(apply).toMatch(/\bapply\b.*\/workspace\/build\/prescaler\.tfplan$/);
    expect(apply).not.toContain('-auto-approve');
  });

  it('declares and documents the user substitutions it relies on', () => {
    for (const name of ['_REGION', '_STATE_BUCKET', '_TFVARS']) {
      expect(substitutions).toHaveProperty(name);
    }
    const header = SOURCE.slice(0, SOURCE.search(/^substitutions:/m));
    for (const name of Object.keys(substitutions)) {
      expect(name).toMatch(/^_[A-Z0-9_]+$/);
      expect(header).toMatch(new RegExp(`^#\\s+${name}\\s+\\S`, 'm'));
    }
  });

  it('uses only declared or built-in substitutions, and every declared one', () => {
    const used = substitutionsUsed(JSON.stringify(steps));
    const unknown = used.filter((name) => !(name in substitutions) && !BUILT_INS.has(name));
    expect(unknown).toEqual([]);
    const unused = Object.keys(substitutions).filter((name) => !used.includes(name));
    expect(unused).toEqual([]);
  });

  it('allows for the minutes Memorystore takes to create', () => {
    expect(String(doc.timeout)).toMatch(/^\d+s$/);
    expect(Number.parseInt(String(doc.timeout), 10)).toBeGreaterThanOrEqual(1800);
  });
});
