"""A real Celery worker (prefork pool of 4, or 4 threads) on a spawned Redis, reporting with
prescaler_progress.celery: exact done and failed counts, a busy heartbeat while tasks run that is
the sum over the pool, and none once they have ended."""

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from thumbnails import make_app
from conftest import pod_in_flight, python_env
from prescaler_progress import TargetKeys

HERE = Path(__file__).resolve().parent
T = "acme/thumbnails/v1"


def start_worker(redis_url, prefix, pod, pool, concurrency):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "thumbnails", "worker", "--pool", pool,
         "--concurrency", str(concurrency), "--prefetch-multiplier", "4", "--hostname", f"{pod}@test", "--loglevel", "WARNING"],
        cwd=HERE.parent / "examples",
        env=python_env(
            HOSTNAME=pod,
            PRESCALER_CELERY_BROKER=redis_url,
            PRESCALER_CELERY_QUEUE=prefix,
            PRESCALER_CELERY_PREFIX=prefix,
            PRESCALER_CELERY_TTL="2",
        ),
    )


@pytest.mark.parametrize("pool", ["prefork", "threads"])
def test_a_celery_worker_reports_every_task_and_its_busy_heartbeat(redis, redis_url, prefix, pool):
    keys = TargetKeys(prefix, T)
    worker = start_worker(redis_url, prefix, "pod-a", pool, 4)
    sender = make_app(redis_url, queue=prefix)
    samples = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append(pod_in_flight(redis, keys, "pod-a"))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        headers = {"prescaler_batch": "b1"}
        for i in range(190):
            sender.send_task("thumbnails.make", args=(f"img-{i}",), headers=headers)
        for i in range(10):
            sender.send_task("thumbnails.flaky", args=(f"flaky-{i}",), headers=headers)
        for i in range(10):
            sender.send_task("thumbnails.broken", args=(f"bad-{i}",), headers=headers)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = int(redis.hget(keys.done, "b1") or 0)
            failed = int(redis.hget(keys.failed, "b1") or 0)
            if done + failed >= 210 or worker.poll() is not None:
                break
            time.sleep(0.05)
        in_flight_after = pod_in_flight(redis, keys, "pod-a")
        holders_after = redis.exists(keys.holders("pod-a"))
    finally:
        stop.set()
        sampler.join()
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    assert int(redis.hget(keys.done, "b1")) == 200
    assert int(redis.hget(keys.failed, "b1")) == 10
    # The pod's count is the sum over the pool: more than any single process could report.
    assert 1 < max(samples) <= 4, f"heartbeat peaked at {max(samples)}"
    assert in_flight_after == 0 and holders_after == 0
    assert worker.returncode == 0
    assert redis.exists(keys.holders("pod-a")) == 0
