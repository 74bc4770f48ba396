/**
 * Scratch copies of the Terraform module for tests that break it on purpose: `copyModule()` copies
 * the top-level .tf files into a fresh temporary directory (removed by `removeCopies()`), `edit`
 * replaces text that must be present (so a breakage that no longer applies fails loudly), `add`
 * writes an extra file.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MODULE = 'terraform';
const scratch: string[] = [];

/** A copy of the module's (or `files` of it) in a fresh temporary directory. */
export function copyModule(files?: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'prescaler-tf-'));
  scratch.push(dir);
  for (const file of files ?? readdirSync(MODULE).filter((f) => f.endsWith('.tf'))) {
    copyFileSync(join(MODULE, file), join(dir, file));
  }
  return dir;
}

export function removeCopies(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Replaces `from` (a string or pattern that must be present) in one file of a copy. */
export function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file}: ${String(from)} not found; the breakage needs updating`);
  writeFileSync(path, after);
}

export function add(dir: string, file: string, hcl: string): void {
  writeFileSync(join(dir, file), hcl);
}
