/**
 * Where the artifact keeps V8's compile cache: `.compile-cache` beside its entry. Portable (keyed
 * by paths relative to that directory), so a cache filled at build time stays valid wherever the
 * artifact is unpacked, as long as the Node build is the same.
 */
import { fileURLToPath } from 'node:url';

export const COMPILE_CACHE = '.compile-cache';

/** The cache directory of the artifact whose entry (or primer) is `moduleUrl`. */
export function compileCacheDir(moduleUrl: string): string {
  return fileURLToPath(new URL(`./${COMPILE_CACHE}/`, moduleUrl));
}
