/**
 * Installs the function artifact's production dependencies into its directory the way the
 * deployment does, without a registry: each package of its package.json, and everything those
 * need (dependencies, and optional ones when present), is hard-linked from this repository's
 * node_modules at the path Node's resolution found it, nesting kept. Nothing else gets in.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The directory Node would load `name` from, starting at package directory `from`. */
function resolvePackage(name: string, from: string, root: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

/** Installs the closure of `artifactDir`'s dependencies from `root`'s node_modules; returns their paths. */
export function installProductionDependencies(artifactDir: string, root: string): string[] {
  const installed = new Set<string>();
  const queue: Array<{ name: string; from: string; optional: boolean }> = Object.keys(
    manifest(artifactDir).dependencies ?? {},
  ).map((name) => ({ name, from: root, optional: false }));
  while (queue.length > 0) {
    const { name, from, optional } = queue.shift()!;
    const dir = resolvePackage(name, from, root);
    if (!dir) {
      if (optional) continue;
      throw new Error(`${name} (needed from ${relative(root, from) || '.'}) is not in node_modules`);
    }
    const path = relative(root, dir);
    if (installed.has(path)) continue;
    installed.add(path);
    const { dependencies = {}, optionalDependencies = {} } = manifest(dir);
    for (const dep of Object.keys(dependencies)) queue.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys(optionalDependencies)) queue.push({ name: dep, from: dir, optional: true });
  }
  for (const path of [...installed].sort()) {
    const target = join(artifactDir, path);
    mkdirSync(target, { recursive: true });
    // Hard links: quick and small; the package's own files only, its node_modules come by name.
    const copy = spawnSync('sh', [
      '-c',
      'for f in "$1"/* "$1"/.[!.]*; do [ -e "$f" ] && [ "$(basename "$f")" != node_modules ] && cp -al "$f" "$2"/; done; true',
      'sh',
      join(root, path),
      target,
    ]);
    if (copy.status !== 0) throw new Error(`could not copy ${path}: ${copy.stderr.toString()}`);
  }
  return [...installed];
}
