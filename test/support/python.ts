/**
 * The Python side of the tests: an interpreter that has redis-py and Celery ($PYTHON, python3 on
 * PATH, or the system /usr/bin/python3 with Debian's packages), and the environment that lets it
 * import the progress library and the Celery sample of workers/python.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PYTHON_EXAMPLES = fileURLToPath(new URL('../../workers/python/examples', import.meta.url));
const PYTHON_SRC = fileURLToPath(new URL('../../workers/python/src', import.meta.url));

export function findPython(): string {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'import redis, celery'], { stdio: 'ignore' }).status === 0) return python;
  }
  throw new Error(
    'no Python with redis-py and Celery: install python3-redis python3-celery (Debian) or set PYTHON',
  );
}

export function pythonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: [PYTHON_SRC, PYTHON_EXAMPLES].join(':'), ...extra };
}
