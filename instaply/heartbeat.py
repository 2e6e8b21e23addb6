"""Workers say they are alive; ``/readyz`` reads how fresh the last word is.

A worker writes the time into the shared cache when it starts (``worker_ready``)
and each time it runs ``reliability.heartbeat`` off the beat schedule: a fresh
heartbeat means a worker took a task from the broker recently, which is what
"workers are up" must mean for queued work.
"""

import time

from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache

KEY = "reliability:worker-heartbeat"


def beat() -> None:
    cache.set(KEY, time.time(), timeout=max(settings.WORKER_STALE_SECONDS * 4, 60))


def age_seconds() -> float | None:
    """Seconds since the freshest heartbeat; None when no worker ever wrote one."""
    last = cache.get(KEY)
    return None if last is None else max(0.0, time.time() - float(last))


def on_worker_ready(**kwargs) -> None:
    beat()


# Connected here, in a module every worker imports (instaply.tasks imports it).
worker_ready.connect(on_worker_ready, weak=False)
