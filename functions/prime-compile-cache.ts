/**
 * Fills the artifact's compile cache (entry.ts): loads every module of the bundle once with the
 * cache on and writes what V8 compiled. Run by scripts/bundle.ts after bundling and, on the
 * deployment's build machine, by the artifact's `gcp-build` script, so the cache matches the Node
 * that runs the functions. Loading the functions' module registers them and, with no
 * configuration in the build's environment, logs that it cannot start: that output is dropped.
 */
import { readdirSync } from 'node:fs';
import { enableCompileCache, flushCompileCache } from 'node:module';
import { compileCacheDir } from './compile-cache.js';

const root = new URL('./', import.meta.url);
enableCompileCache({ directory: compileCacheDir(import.meta.url), portable: true });
const report = process.stdout.write.bind(process.stdout);
const silent = () => true;
process.stdout.write = silent;
process.stderr.write = silent;
const modules = [
  new URL('./index.js', root),
  ...readdirSync(new URL('./chunks/', root))
    .filter((name) => name.endsWith('.js'))
    .map((name) => new URL(`./chunks/${name}`, root)),
];
const failed: string[] = [];
for (const url of modules)
  await import(url.href).catch((error: unknown) => failed.push(`${url.pathname}: ${String(error)}`));
flushCompileCache();
// Never fails the build: without a cache the functions only start slower.
report(`compile cache: ${modules.length - failed.length} of ${modules.length} modules\n${failed.join('\n')}`);
process.exit(0);
