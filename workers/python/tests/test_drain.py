"""SIGTERM drain: a worker process stops taking work, finishes what it holds, leaves no heartbeat."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import pod_in_flight, python_env
from prescaler_progress import TargetKeys

HERE = Path(__file__).resolve().parent


def test_sigterm_finishes_the_held_job_and_takes_no_more(redis, redis_url, prefix):
    keys = TargetKeys(prefix, "acme/thumbnails/v1")
    redis.rpush(f"{prefix}:jobs", *[f"job-{i}" for i in range(20)])
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "drain_worker.py"), redis_url, prefix, "1.5"],
        stdout=subprocess.PIPE,
        text=True,
        env=python_env(),
    )
    lines = [worker.stdout.readline().strip() for _ in range(3)]  # job-0 held, finished, job-1 held
    assert lines == ["holding job-0", "finished job-0", "holding job-1"]
    time.sleep(0.2)
    assert pod_in_flight(redis, keys, "pod-d") == 1
    worker.send_signal(signal.SIGTERM)
    rest, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0
    assert rest.split() == ["finished", "job-1", "stopped"]
    assert int(redis.hget(keys.done, "b1")) == 2
    assert redis.llen(f"{prefix}:jobs") == 18
    assert redis.exists(keys.holders("pod-d")) == 0
