"""Celery integration: every running task holds one image of the pod; its end counts it done or failed.

``install(app, target=...)`` connects Celery's signals: ``task_prerun`` starts holding,
``task_postrun`` stops and counts a successful task done, a task that raised (``task_failure``)
failed, and a task that asked to be retried (``task_retry``) neither (its next run counts).
A retry keeps the batch header (``before_task_publish``). ``worker_shutting_down`` marks the worker draining (Celery stops consuming and finishes the tasks
it holds; each ends as usual), ``worker_process_shutdown`` removes whatever a pool process still
holds. With the prefork pool every child process keeps its own holder entries, so the pod's
count is the sum over the children; with ``--pool threads`` the threads add up in one process.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from celery import Celery, signals

from .progress import DEFAULT_TTL_SECONDS, Progress

BatchOf = Callable[[Any, tuple, dict], Optional[str]]

DEFAULT_BATCH_HEADER = "prescaler_batch"


def batch_from_header(header: str) -> BatchOf:
    """Reads the batch id from a task header (``apply_async(headers={header: batch_id})``)."""

    def batch_of(task: Any, args: tuple, kwargs: dict) -> Optional[str]:
        request = task.request
        value = getattr(request, header, None)
        if value is None:
            value = (getattr(request, "headers", None) or {}).get(header)
        return None if value is None else str(value)

    return batch_of


def install(
    app: Celery,
    target: str,
    batch: Union[str, BatchOf] = DEFAULT_BATCH_HEADER,
    redis: Any = None,
    pod: Optional[str] = None,
    prefix: str = "prescaler",
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
) -> Progress:
    """Reports the app's tasks for ``target``; returns the ``Progress`` it uses.

    ``batch`` names the task header carrying the batch id, or is a callable
    ``(task, args, kwargs) -> batch id``; a task without one is held but counted nowhere.
    ``redis`` defaults to a client for the app's broker URL (which must then be a Redis URL).
    """
    if redis is None:
        import redis as redis_py

        url = app.conf.broker_url or ""
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"install: the broker URL {url.split('@')[-1]!r} is not Redis; pass redis=redis.Redis(...) for the ledger"
            )
        redis = redis_py.Redis.from_url(url)
    batch_of = batch_from_header(batch) if isinstance(batch, str) else batch
    if not callable(batch_of):
        raise TypeError(f"install: batch must be a header name or a callable, not {type(batch).__name__}")
    progress = Progress(redis, target, pod=pod, prefix=prefix, ttl_seconds=ttl_seconds)
    # (task id, attempt) -> [holder, batch id, outcome]. A retried task keeps its id, and its
    # next attempt may start before this one's postrun, so the attempt is part of the key.
    running: Dict[Tuple[str, int], List[Any]] = {}
    lock = threading.Lock()

    def run_of(task_id: Optional[str], request: Any) -> Tuple[str, int]:
        return (task_id or getattr(request, "id", None) or "", int(getattr(request, "retries", 0) or 0))

    def on_prerun(task_id: str = "", task: Any = None, args: Any = None, kwargs: Any = None, **_: Any) -> None:
        batch_id = batch_of(task, tuple(args or ()), dict(kwargs or {}))
        holder = progress.hold(1)
        with lock:
            running[run_of(task_id, task.request)] = [holder, batch_id, None]

    def mark(run: Tuple[str, int], outcome: str) -> None:
        with lock:
            entry = running.get(run)
            if entry is not None:
                entry[2] = outcome

    def on_failure(sender: Any = None, task_id: Optional[str] = None, **_: Any) -> None:
        mark(run_of(task_id, getattr(sender, "request", None)), "failed")

    def on_retry(request: Any = None, **_: Any) -> None:
        mark(run_of(None, request), "retry")

    def on_postrun(task_id: str = "", task: Any = None, state: Optional[str] = None, **_: Any) -> None:
        with lock:
            entry = running.pop(run_of(task_id, getattr(task, "request", None)), None)
        if entry is None:
            return
        holder, batch_id, outcome = entry
        progress.release(holder)
        if batch_id is None or outcome == "retry" or state == "RETRY":
            return
        if outcome == "failed" or state == "FAILURE":
            progress.failed(batch_id)
        elif state == "SUCCESS":
            progress.done(batch_id)

    def on_publish(headers: Optional[Dict[str, Any]] = None, **_: Any) -> None:
        # Celery 5.2 drops custom headers when a task retries itself: carry the batch over to
        # the retry (a message with this task's id published while the task runs).
        if not isinstance(batch, str) or headers is None or headers.get(batch) is not None:
            return
        task_id = headers.get("id")
        with lock:
            found = [entry[1] for (run_id, _), entry in running.items() if run_id == task_id]
        if found and found[0] is not None:
            headers[batch] = found[0]

    def on_shutting_down(**_: Any) -> None:
        progress.draining.set()

    def on_process_shutdown(**_: Any) -> None:
        progress.close()

    # weak=False: the handlers are closures that nothing else keeps alive.
    signals.task_prerun.connect(on_prerun, weak=False)
    signals.task_failure.connect(on_failure, weak=False)
    signals.task_retry.connect(on_retry, weak=False)
    signals.task_postrun.connect(on_postrun, weak=False)
    signals.before_task_publish.connect(on_publish, weak=False)
    signals.worker_shutting_down.connect(on_shutting_down, weak=False)
    signals.worker_process_shutdown.connect(on_process_shutdown, weak=False)
    return progress
