"""Fixtures: a private redis-server on a free port, and a fresh key prefix per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import redis as redis_py

REPO = Path(__file__).resolve().parents[3]
INFLIGHT_LUA = (REPO / "shared" / "redis" / "scripts" / "inflight.lua").read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis_py.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis_py.ConnectionError:
            time.sleep(0.025)
    else:
        server.kill()
        raise RuntimeError(f"redis-server did not answer on port {port}")
    try:
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(10)


@pytest.fixture
def redis(redis_url: str) -> Iterator[redis_py.Redis]:
    client = redis_py.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def pod_in_flight(client: redis_py.Redis, keys, pod: str) -> int:
    """A pod's images in flight exactly as reconcile reads them (the functions' own script)."""
    return int(client.eval(INFLIGHT_LUA, 2, keys.pod(pod), keys.holders(pod))[0])


def python_env(**extra: str) -> dict:
    """Environment for a Python subprocess that imports the library and the test helpers."""
    here = Path(__file__).resolve().parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(here.parent / "src"), str(here.parent / "examples"), str(here)])
    env.update(extra)
    return env
