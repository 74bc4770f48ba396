/**
 * The deployable artifact: functions/index.ts bundled by esbuild (ESM, code splitting so the
 * Kubernetes client loads as its own chunk, minified) into dist/function/, with a package.json
 * that lists only what the deployed functions install. Bundled in: our code, client-node, ioredis,
 * zod, p-limit. Installed beside it: the Functions Framework (it must be the very module that
 * loads the function, so it cannot be bundled) and the Google Cloud clients, which read their
 * protocol definitions from their own package directories. The Lua scripts are embedded as text.
 * Nothing of the emulator, the stack, the CLI, the benchmarks or the tests gets in, and none of
 * their dependencies: the build fails if one does.
 *
 * The entry (functions/entry.ts) turns on V8's compile cache in the artifact's `.compile-cache`,
 * which the bundling fills by loading every module once (functions/prime-compile-cache.ts) when
 * the Functions Framework can be resolved from the artifact. A cache is only valid for the Node
 * build that made it, so the artifact's `gcp-build` script fills it again on the deployment's
 * build machine, whose Node is the one the instances run.
 *
 * `npm run build` runs this; it prints the bundle's size and module count.
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LUA_SCRIPTS, luaSource } from '../shared/redis/lua-source.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ARTIFACT_DIR = join(REPO_ROOT, 'dist/function');

/** Packages the deployed functions install (from the root package.json's versions). */
export const PRODUCTION_DEPENDENCIES = [
  '@google-cloud/functions-framework',
  '@google-cloud/container',
  '@google-cloud/pubsub',
  'google-auth-library',
] as const;

/** Inputs the artifact must never hold: tooling code and the packages only tooling uses. */
export const EXCLUDED = [
  /^emulator\//,
  /^bench\//,
  /^test\//,
  /^scripts\//,
  /^shared\/cli\//,
  /^cli\//,
  /node_modules\/(yaml|node-forge|fast-json-patch|esbuild|jest|tsx|typescript)\//,
];

export interface BundleReport {
  readonly outdir: string;
  readonly bytes: number;
  readonly files: number;
  /** Source modules esbuild bundled (metafile inputs). */
  readonly modules: number;
  readonly metafile: Metafile;
  /** Whether the compile cache was filled (it needs the Functions Framework installed). */
  readonly compileCache: boolean;
}

/** The artifact's script that fills its compile cache. */
const PRIMER = 'prime-compile-cache.js';

/** Fills the artifact's compile cache with the Node running this, if its modules can load. */
function primeCompileCache(outdir: string): boolean {
  try {
    createRequire(join(outdir, 'package.json')).resolve('@google-cloud/functions-framework');
  } catch {
    return false;
  }
  const run = spawnSync(process.execPath, [PRIMER], {
    cwd: outdir,
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
  });
  const counted = /compile cache: (\d+) of (\d+) modules/.exec(run.stdout);
  if (run.status !== 0 || !counted || counted[1] !== counted[2]) {
    throw new Error(`filling the compile cache failed: ${run.stdout}${run.stderr}`);
  }
  return true;
}

/** Replaces lua-source.ts with the scripts' text, read now. */
const embedLua: Plugin = {
  name: 'embed-lua',
  setup(builder) {
    builder.onLoad({ filter: /shared[\\/]redis[\\/]lua-source\.ts$/ }, () => {
      const texts = Object.fromEntries(LUA_SCRIPTS.map((name) => [name, luaSource(name)]));
      return {
        loader: 'ts',
        contents: `export const LUA_SCRIPTS = ${JSON.stringify(LUA_SCRIPTS)};
const TEXTS: Record<string, string> = ${JSON.stringify(texts)};
export function luaSource(name: string): string { return TEXTS[name]!; }`,
      };
    });
  },
};

// CommonJS packages bundled into ESM still call require() for Node's built-ins and use __dirname.
const BANNER = [
  "import { createRequire as __prescalerRequire } from 'node:module';",
  "import { fileURLToPath as __prescalerPath } from 'node:url';",
  'const require = __prescalerRequire(import.meta.url);',
  'const __filename = __prescalerPath(import.meta.url);',
  "const __dirname = __prescalerPath(new URL('.', import.meta.url));",
].join('\n');

/** Metafile inputs that must not be in the artifact. */
export function excludedInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).filter((input) => EXCLUDED.some((pattern) => pattern.test(input)));
}

export async function bundleFunctions(outdir: string = ARTIFACT_DIR): Promise<BundleReport> {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: {
      index: 'functions/entry.ts',
      [PRIMER.replace(/\.js$/, '')]: 'functions/prime-compile-cache.ts',
    },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    splitting: true,
    minify: true,
    chunkNames: 'chunks/[name]-[hash]',
    external: [...PRODUCTION_DEPENDENCIES],
    banner: { js: BANNER },
    plugins: [embedLua],
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const excluded = excludedInputs(result.metafile);
  if (excluded.length > 0) {
    throw new Error(`the function bundle must not contain ${excluded.join(', ')}: find who imports it`);
  }
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify(artifactPackage(), null, 2)}\n`);
  const compileCache = primeCompileCache(outdir);
  const outputs = Object.values(result.metafile.outputs);
  return {
    outdir,
    bytes: outputs.reduce((sum, output) => sum + output.bytes, 0),
    files: outputs.length,
    modules: Object.keys(result.metafile.inputs).length,
    metafile: result.metafile,
    compileCache,
  };
}

/** The artifact's package.json: its entry and its production dependencies only. */
function artifactPackage(): object {
  const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    engines: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const dependencies: Record<string, string> = {};
  for (const name of PRODUCTION_DEPENDENCIES) {
    const version = root.dependencies[name];
    if (!version) throw new Error(`package.json has no dependency ${name}, which the functions install`);
    dependencies[name] = version;
  }
  return {
    name: `${root.name}-functions`,
    version: root.version,
    private: true,
    type: 'module',
    main: 'index.js',
    // Run by the deployment's build after installing the dependencies (Google's Node.js buildpack).
    scripts: { 'gcp-build': `node ${PRIMER}` },
    engines: root.engines,
    dependencies,
  };
}

export function describeBundle(report: BundleReport): string {
  const mb = (report.bytes / 1_000_000).toFixed(2);
  const cache = report.compileCache
    ? 'compile cache filled'
    : 'no compile cache (Functions Framework not resolvable)';
  return `${relative(process.cwd(), report.outdir) || '.'}: ${mb} MB in ${report.files} files, ${report.modules} modules bundled, ${cache}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleFunctions().then(
    (report) => process.stdout.write(`function bundle ${describeBundle(report)}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
