/**
 * The entry of the deployed artifact (scripts/bundle.ts): turns on V8's compile cache in the
 * artifact's own directory, then loads the functions. With a cache that the same Node build
 * filled (prime-compile-cache.ts, run by `npm run build` and by the deployment's `gcp-build`
 * step), an instance deserializes the bundle's compiled code instead of compiling it again,
 * which is most of its cold start. Node ignores a cache made by another Node version or with
 * other V8 flags and compiles as without one; failing to enable it is never fatal.
 */
import { enableCompileCache } from 'node:module';
import { compileCacheDir } from './compile-cache.js';

try {
  enableCompileCache({ directory: compileCacheDir(import.meta.url), portable: true });
} catch {
  // A read-only or missing directory: start without the cache.
}
await import('./index.js');
