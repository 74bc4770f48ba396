"""The thumbnail worker: the Celery sample of the local stack and the app of the tests. Thumbnail
tasks that take a while, one that raises, one that asks to be retried once, all reported with
prescaler_progress.celery (`celery -A thumbnails worker`). Configured from the environment:

  PRESCALER_CELERY_BROKER   Redis URL of the broker (and of the ledger)
  PRESCALER_CELERY_QUEUE    queue to consume (default "thumbnails")
  PRESCALER_CELERY_TARGET   target to report for (default "acme/thumbnails/v1")
  PRESCALER_CELERY_PREFIX   key prefix (default "prescaler")
  PRESCALER_CELERY_TTL      heartbeat TTL in seconds (default 30)
"""

import os
import time

import redis
from celery import Celery

from prescaler_progress.celery import install

QUEUE = os.environ.get("PRESCALER_CELERY_QUEUE", "thumbnails")
PREFIX = os.environ.get("PRESCALER_CELERY_PREFIX", "prescaler")


def make_app(broker: str, queue: str = QUEUE) -> Celery:
    app = Celery("thumbnails", broker=broker)
    app.conf.update(
        task_default_queue=queue,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
    )
    return app


app = make_app(os.environ.get("PRESCALER_CELERY_BROKER", "redis://127.0.0.1:6379/0"))
progress = install(
    app,
    target=os.environ.get("PRESCALER_CELERY_TARGET", "acme/thumbnails/v1"),
    prefix=PREFIX,
    ttl_seconds=float(os.environ.get("PRESCALER_CELERY_TTL", "30")),
)
_tracker = None


def _running(delta: int) -> None:
    """Test bookkeeping outside the contract: tasks running now on this pod, by the tasks themselves."""
    global _tracker
    if _tracker is None:
        _tracker = redis.Redis.from_url(app.conf.broker_url)
    _tracker.incrby(f"{PREFIX}:test:running:{progress.pod}", delta)


@app.task(name="thumbnails.make")
def make(image: str, seconds: float = 0.05) -> str:
    _running(1)
    try:
        time.sleep(seconds)
        return f"{image}.thumb.jpg"
    finally:
        _running(-1)


@app.task(name="thumbnails.broken")
def broken(image: str) -> None:
    raise ValueError(f"{image}: not an image")


@app.task(name="thumbnails.flaky", bind=True, max_retries=3)
def flaky(self, image: str) -> str:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return f"{image}.thumb.jpg"
