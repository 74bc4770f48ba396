/**
 * The README and the docs name only paths that exist: every path in backticks (a name with a
 * slash that starts with a top-level folder or ends in a file extension) and every relative link, resolved from the repository root or from the document's own
 * folder. Paths the project writes at run time (dist/, .stack/, build/) are left out.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const generated = /^(dist|\.stack|build|coverage|node_modules)\//;
/** A token is a path when it starts with a top-level folder or ends in a source file's extension. */
const looksLikePath = (p: string): boolean =>
  /^(functions|shared|cli|emulator|bench|terraform|test|docs|\.ci)\//.test(p) ||
  /\.(ts|js|md|json|lua|tf|ya?ml|csv|svg)$/.test(p);

async function documents(): Promise<string[]> {
  const found = ['README.md'];
  for (const folder of ['docs', 'emulator', 'bench', 'terraform']) {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    for (const e of entries) if (e.isFile() && e.name.endsWith('.md')) found.push(join(e.parentPath, e.name));
  }
  return found;
}

/** Paths a document names: `a/b.ts`-like tokens in backticks, and relative link targets. */
export function namedPaths(text: string): string[] {
  const paths = new Set<string>();
  for (const m of text.matchAll(/`([\w.@{}*-]+(?:\/[\w.@{}*-]*)+)`/g)) {
    if (looksLikePath(m[1] as string)) paths.add(m[1] as string);
  }
  for (const m of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    const target = m[1] as string;
    if (!/^[a-z]+:/.test(target)) paths.add(target);
  }
  return [...paths].filter((p) => !generated.test(p) && !/[{}*]/.test(p) && !p.startsWith('/'));
}

describe('paths named in the README and docs', () => {
  it('exist, from the root or from the document’s folder', async () => {
    const missing: string[] = [];
    for (const doc of await documents()) {
      const text = await readFile(doc, 'utf8');
      for (const path of namedPaths(text)) {
        if (!existsSync(path) && !existsSync(join(dirname(doc), path))) missing.push(`${doc}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('finds backticked paths and relative links, not URLs or globs', () => {
    const text =
      'see `shared/clock.ts`, [the docs](docs/deploy.md#top), [web](https://x.dev/a), `scripts/*.lua`';
    expect(namedPaths(text)).toEqual(['shared/clock.ts', 'docs/deploy.md']);
  });
});
