/**
 * What the functions install is only theirs: the packages the emulator, the stack and the
 * benchmarks import, and the functions and shared code do not, are development dependencies, so
 * `npm ls --omit=dev` (what the Cloud Functions build installs) lists none of them.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The bare package names a folder's TypeScript files import (node: built-ins left out). */
async function importsOf(folder: string): Promise<Set<string>> {
  const names = new Set<string>();
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = await readFile(join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/(?:from|import\()\s*'([^'.][^']*)'/g)) {
      const spec = match[1] as string;
      if (spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
    }
  }
  return names;
}

type Tree = { dependencies?: Record<string, Tree> };

function installed(tree: Tree, into = new Set<string>()): Set<string> {
  for (const [name, sub] of Object.entries(tree.dependencies ?? {})) {
    into.add(name);
    installed(sub, into);
  }
  return into;
}

describe('the functions’ production dependencies', () => {
  it('hold none of the packages only the emulator, the stack or the benchmarks use', async () => {
    const product = new Set([...(await importsOf('functions')), ...(await importsOf('shared'))]);
    const tools = new Set([...(await importsOf('emulator')), ...(await importsOf('bench'))]);
    const toolsOnly = [...tools].filter((name) => !product.has(name));
    expect(toolsOnly).toEqual(expect.arrayContaining(['yaml', 'node-forge', 'fast-json-patch']));
    const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--json'], { maxBuffer: 64 << 20 });
    const tree = JSON.parse(stdout) as Tree;
    const production = installed(tree);
    expect(production.has('ioredis')).toBe(true);
    // No tool-only package is a production dependency of its own...
    const direct = Object.keys(tree.dependencies ?? {});
    expect(toolsOnly.filter((name) => direct.includes(name))).toEqual([]);
    // ...and those that no product dependency needs are not installed at all. (@grpc/grpc-js,
    // which the agent's benchmark imports, is also what @google-cloud/pubsub speaks gRPC with.)
    const emulatorOnly = ['yaml', 'node-forge', 'fast-json-patch', '@marcbachmann/cel-js'];
    expect(emulatorOnly.filter((name) => production.has(name))).toEqual([]);
  });
});
