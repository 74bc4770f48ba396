"""Progress against a real redis-server: heartbeats while holding, exact counts, processes adding up."""

import multiprocessing
import os
import signal
import threading
import time

import pytest

from conftest import pod_in_flight
from prescaler_progress import Progress

T = "acme/thumbnails/v1"


def test_heartbeat_present_while_holding_refreshed_past_its_ttl_and_gone_after(redis, prefix):
    progress = Progress(redis, T, pod="pod-a", prefix=prefix, ttl_seconds=0.6)
    key = progress.keys.holders("pod-a")
    seen = []
    with progress.holding(2):
        end = time.monotonic() + 2.5  # four TTLs: only the refresher keeps it alive
        while time.monotonic() < end:
            seen.append(pod_in_flight(redis, progress.keys, "pod-a"))
            assert 0 < redis.pttl(key) <= 600
            time.sleep(0.05)
        assert progress.in_flight == 2
    assert set(seen) == {2}
    assert len(seen) > 20
    assert redis.exists(key) == 0
    assert pod_in_flight(redis, progress.keys, "pod-a") == 0
    assert progress.in_flight == 0


def test_nested_holdings_add_up_and_each_leaves_on_its_own(redis, prefix):
    progress = Progress(redis, T, pod="pod-a", prefix=prefix)
    with progress.holding(1):
        with progress.holding(3):
            assert pod_in_flight(redis, progress.keys, "pod-a") == 4
        assert pod_in_flight(redis, progress.keys, "pod-a") == 1
    assert redis.exists(progress.keys.holders("pod-a")) == 0


def test_counts_are_exact_under_16_threads(redis, prefix):
    progress = Progress(redis, T, pod="pod-a", prefix=prefix, ttl_seconds=1)
    peak = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak.append(pod_in_flight(redis, progress.keys, "pod-a"))

    def work(i):
        for j in range(40):
            with progress.holding(1):
                time.sleep(0.002)
                if (i + j) % 10 == 0:
                    progress.failed("b1")
                else:
                    progress.done("b1")
        progress.done("b2", 5)

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    sampler.join()
    failed = sum(1 for i in range(16) for j in range(40) if (i + j) % 10 == 0)
    assert int(redis.hget(progress.keys.done, "b1")) == 16 * 40 - failed
    assert int(redis.hget(progress.keys.failed, "b1")) == failed
    assert int(redis.hget(progress.keys.done, "b2")) == 16 * 5
    assert max(peak) > 1 and max(peak) <= 16
    assert redis.exists(progress.keys.holders("pod-a")) == 0


def _child_holds(progress, images, ready):
    progress.hold(images)
    ready.set()
    time.sleep(60)


def test_processes_of_a_pod_add_up_and_a_killed_one_stops_counting(redis, prefix):
    progress = Progress(redis, T, pod="pod-a", prefix=prefix, ttl_seconds=1)
    context = multiprocessing.get_context("fork")
    children = []
    for images in (1, 2, 3):
        ready = context.Event()
        child = context.Process(target=_child_holds, args=(progress, images, ready), daemon=True)
        child.start()
        assert ready.wait(10)
        children.append(child)
    try:
        time.sleep(1.5)  # past the TTL: the children's refreshers keep them alive
        assert pod_in_flight(redis, progress.keys, "pod-a") == 6
        os.kill(children[2].pid, signal.SIGKILL)
        children[2].join()
        deadline = time.monotonic() + 5
        while pod_in_flight(redis, progress.keys, "pod-a") != 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pod_in_flight(redis, progress.keys, "pod-a") == 3
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
            child.join()


def test_refuses_bad_counts(redis, prefix):
    progress = Progress(redis, T, pod="pod-a", prefix=prefix)
    for n in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="whole number"):
            progress.done("b1", n)
        with pytest.raises(ValueError, match="whole number"):
            progress.hold(n)
    with pytest.raises(ValueError, match="ttl_seconds"):
        Progress(redis, T, pod="pod-a", ttl_seconds=0)
