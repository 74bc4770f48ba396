/**
 * Formatting of the Terraform files: `terraform fmt -check -recursive` when terraform is
 * installed (it needs no providers), plus checks of the canonical layout that hold without it.
 * When terraform is absent the reason is printed, never passed over silently.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, terraformEnv } from '../../support/terraform.js';

const DIR = 'terraform';

function hclFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '.terraform' ? [] : hclFiles(path);
    return /\.tf$|\.tfvars(\.example)?$/.test(entry.name) ? [path] : [];
  });
}

function fmt(args: string[], input?: string) {
  return spawnSync('terraform', ['fmt', ...args], {
    encoding: 'utf8',
    input,
    env: terraformEnv(),
  });
}

/** Lines with tabs, trailing blanks or odd indentation, outside heredocs (whose text is free). */
function layoutProblems(source: string): string[] {
  const problems: string[] = [];
  let heredoc: string | undefined;
  source.split('\n').forEach((line, i) => {
    if (heredoc !== undefined) {
      if (line.trim() === heredoc) heredoc = undefined;
      return;
    }
    const indent = /^ */.exec(line)?.[0].length ?? 0;
    const comment = /^\s*(\*|\/\*)/.test(line); // block comments align their stars on odd columns
    if (line.includes('\t') || /\s$/.test(line) || (indent % 2 !== 0 && !comment)) {
      problems.push(`${i + 1}: ${JSON.stringify(line)}`);
    }
    heredoc = /<<-?([A-Za-z_]+)$/.exec(line)?.[1];
  });
  return problems;
}

const terraform = onPath('terraform');

describe('terraform formatting', () => {
  if (terraform) {
    it('passes terraform fmt -check -recursive', () => {
      const result = fmt(['-check', '-recursive', '-diff', DIR]);
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    });

    it('formats the example tfvars canonically (fmt skips the .example suffix)', () => {
      const file = join(DIR, 'examples/complete/terraform.tfvars.example');
      const source = readFileSync(file, 'utf8');
      const result = fmt(['-'], source);
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(source);
    });

    it('fails fmt -check on a badly formatted file (the check can fail)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'prescaler-fmt-'));
      try {
        writeFileSync(join(dir, 'bad.tf'), 'variable "x" {\ntype = string\n   description="x"\n}\n');
        const result = fmt(['-check', '-recursive', dir]);
        expect(result.status).not.toBe(0);
        expect(result.stdout).toContain('bad.tf');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  } else {
    it('reports that terraform is absent, so only the layout checks below run', () => {
      console.warn(
        'terraform is not on PATH: `terraform fmt -check -recursive terraform/` was not run; ' +
          'the layout checks and the HCL content checks (module.test.ts) still apply.',
      );
      expect(onPath('terraform')).toBeUndefined();
      expect(spawnSync('terraform', ['version']).error).toBeDefined();
    });
  }

  it('finds the module and example files', () => {
    const files = hclFiles(DIR);
    expect(files).toEqual(expect.arrayContaining([join(DIR, 'main.tf'), join(DIR, 'variables.tf')]));
    expect(files.some((f) => f.endsWith('terraform.tfvars.example'))).toBe(true);
  });

  it.each(hclFiles(DIR))(
    '%s uses the canonical layout (two-space indent, no tabs or trailing blanks)',
    (file) => {
      const source = readFileSync(file, 'utf8');
      expect(source.endsWith('\n')).toBe(true);
      expect(source.endsWith('\n\n')).toBe(false);
      expect(layoutProblems(source)).toEqual([]);
    },
  );
});
