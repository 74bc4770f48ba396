#!/usr/bin/env sh
# Runs the Python suites with the first interpreter that has redis-py, Celery and pytest:
# $PYTHON if set, else python3 on PATH, else the system /usr/bin/python3 (Debian packages).
set -eu
cd "$(dirname "$0")"
for py in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$py" -c 'import redis, celery, pytest' >/dev/null 2>&1; then
    exec "$py" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning "$@"
  fi
done
echo "no Python with redis, celery and pytest; install python3-redis python3-celery python3-pytest (Debian) or pip install './workers/python[test]'" >&2
exit 1
