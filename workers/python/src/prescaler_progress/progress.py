"""Progress: count finished and failed images per batch, and keep this process's busy heartbeat.

Every process of a pod keeps its own holder entries in the pod's ``holders`` sorted set, scored
by their expiry on the Redis server's clock and refreshed from a background thread, so threads
of one process and the child processes of a prefork pool add up, and a process that dies stops
counting once its entries expire (after ``ttl_seconds``). ``reconcile`` counts a pod as busy
while its plain heartbeat or any live holder entry says so.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import socket
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

from .keys import TargetKeys, holder_member

DEFAULT_TTL_SECONDS = 30.0

log = logging.getLogger("prescaler_progress")


def _count(n: int, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what}: {n!r} images; must be a whole number of at least 1")
    return n


class Progress:
    """The progress contract for one target, from one process (and its threads).

    ``redis`` is a ``redis.Redis`` client (redis-py 4.3 or later). ``pod`` defaults to
    ``$HOSTNAME``, which Kubernetes sets to the pod's name. ``ttl_seconds`` is how long a holder
    entry lives without a refresh; it is refreshed every third of it.
    """

    def __init__(
        self,
        redis: Any,
        target: str,
        pod: Optional[str] = None,
        prefix: str = "prescaler",
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
    ) -> None:
        if not ttl_seconds > 0:
            raise ValueError(f"ttl_seconds {ttl_seconds!r}: must be more than 0 (the contract uses 30)")
        self.redis = redis
        self.keys = TargetKeys(prefix, target)
        self.pod = pod or os.environ.get("HOSTNAME") or socket.gethostname()
        if not self.pod:
            raise ValueError("pod: no name given and no HOSTNAME set; pass pod=<the pod's name>")
        self.ttl_seconds = float(ttl_seconds)
        #: Set once the process should take no more work (SIGTERM, or a worker shutting down).
        self.draining = threading.Event()
        self._start()

    def _start(self) -> None:
        """Fresh per-process state: at construction, and again in a child after a fork."""
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._held: Dict[str, int] = {}
        self._ids = itertools.count(1)
        self._instance = f"{self._pid}-{uuid.uuid4().hex[:8]}"
        self._refresher: Optional[threading.Thread] = None

    def _own(self) -> None:
        if os.getpid() != self._pid:
            self._start()

    # -- counts ---------------------------------------------------------------------------

    def done(self, batch_id: str, n: int = 1) -> None:
        """``HINCRBY <prefix>:{<target>}:done <batch_id> n``"""
        self.redis.hincrby(self.keys.done, batch_id, _count(n, f"done({batch_id!r})"))

    def failed(self, batch_id: str, n: int = 1) -> None:
        """``HINCRBY <prefix>:{<target>}:failed <batch_id> n`` (an image failed for good)."""
        self.redis.hincrby(self.keys.failed, batch_id, _count(n, f"failed({batch_id!r})"))

    # -- holding ----------------------------------------------------------------------------

    @contextmanager
    def holding(self, n: int = 1) -> Iterator[str]:
        """Marks this process as holding ``n`` more images while the block runs."""
        holder = self.hold(n)
        try:
            yield holder
        finally:
            self.release(holder)

    def hold(self, n: int = 1) -> str:
        """Starts holding ``n`` images; returns the holder id to pass to ``release``."""
        _count(n, "hold")
        self._own()
        with self._lock:
            holder = f"{self._instance}-{next(self._ids)}"
            self._held[holder] = n
            self._write({holder: n})
            if self._refresher is None:
                self._refresher = threading.Thread(
                    target=self._refresh, name="prescaler-heartbeat", daemon=True
                )
                self._refresher.start()
        return holder

    def release(self, holder: str) -> None:
        """Stops holding what ``hold`` returned ``holder`` for (its entry is removed at once)."""
        self._own()
        with self._lock:
            n = self._held.pop(holder, None)
            if n is None:
                return
            self._changed.notify_all()
            try:
                self.redis.zrem(self.keys.holders(self.pod), holder_member(holder, n))
            except Exception as error:  # the entry expires on its own after ttl_seconds
                log.warning("prescaler: could not remove holder %s (%s); it expires in %ss", holder, error, self.ttl_seconds)

    @property
    def in_flight(self) -> int:
        """Images this process holds now."""
        self._own()
        with self._lock:
            return sum(self._held.values())

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Waits until this process holds nothing; False if ``timeout`` passed first."""
        self._own()
        with self._lock:
            return self._changed.wait_for(lambda: not self._held, timeout)

    def close(self) -> None:
        """Removes every entry this process still holds (for a process that is going away)."""
        self._own()
        with self._lock:
            held, self._held = self._held, {}
            self._changed.notify_all()
            if held:
                self.redis.zrem(self.keys.holders(self.pod), *(holder_member(h, n) for h, n in held.items()))

    def _write(self, entries: Dict[str, int]) -> None:
        """Adds or refreshes holder entries, with their expiry on the server's clock. Lock held."""
        key = self.keys.holders(self.pod)
        ttl_ms = int(self.ttl_seconds * 1000)
        try:
            seconds, micros = self.redis.time()
            now_ms = int(seconds) * 1000 + int(micros) // 1000
            pipe = self.redis.pipeline(transaction=True)
            pipe.zremrangebyscore(key, "-inf", now_ms)
            pipe.zadd(key, {holder_member(h, n): now_ms + ttl_ms for h, n in entries.items()})
            pipe.pexpire(key, ttl_ms)
            pipe.execute()
        except Exception as error:  # transient: the refresher tries again within ttl/3
            log.warning("prescaler: heartbeat of %s not written (%s); retrying", self.pod, error)

    def _refresh(self) -> None:
        with self._lock:
            while self._held:
                self._changed.wait(self.ttl_seconds / 3)
                if self._held:
                    self._write(dict(self._held))
            self._refresher = None

    # -- termination ------------------------------------------------------------------------

    def install_sigterm_drain(self) -> threading.Event:
        """On SIGTERM: stop taking work, finish what is held, then remove the heartbeat.

        Returns ``draining``: a work loop checks it before taking the next item
        (``while not draining.is_set(): ...``); the held work finishes normally, and once the
        process holds nothing its entries are gone. Call it from the main thread. A previous
        Python-level SIGTERM handler is still called.
        """
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("install_sigterm_drain: call it from the main thread (signal handlers live there)")
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: Any) -> None:
            if not self.draining.is_set():
                log.info("prescaler: SIGTERM, taking no more work; finishing %d held", self.in_flight)
                self.draining.set()
                threading.Thread(target=self._drained, name="prescaler-drain", daemon=True).start()
            if callable(previous):
                previous(signum, frame)

        signal.signal(signal.SIGTERM, on_sigterm)
        return self.draining

    def _drained(self) -> None:
        self.wait_idle()
        self.close()
        log.info("prescaler: drained; %s holds nothing", self.pod)
