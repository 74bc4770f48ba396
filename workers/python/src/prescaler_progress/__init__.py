"""prescaler_progress: report work progress and busy heartbeats to prescaler from Python workers.

``Progress`` counts finished and failed images per batch and keeps the pod's busy heartbeat
while work is held; ``prescaler_progress.celery.install`` wires it to a Celery app.
"""

from .keys import TargetKeys, holder_member
from .progress import DEFAULT_TTL_SECONDS, Progress

__all__ = ["DEFAULT_TTL_SECONDS", "Progress", "TargetKeys", "holder_member"]
