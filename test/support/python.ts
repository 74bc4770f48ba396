/**
 * The Python side of the tests: an interpreter that has redis-py and Celery (as the stack finds
 * it), and the environment that lets it import the progress library and the Celery sample.
 */
import { fileURLToPath } from 'node:url';
import { pythonPaths } from '../../emulator/stack/celery.js';

export { findPython } from '../../emulator/stack/celery.js';

const paths = pythonPaths(fileURLToPath(new URL('../..', import.meta.url)));
export const PYTHON_EXAMPLES = paths.examples;

export function pythonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: [paths.src, paths.examples].join(':'), ...extra };
}
