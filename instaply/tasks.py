"""Platform-wide periodic tasks: the sweeper and the workers' heartbeat."""

from celery import shared_task

from instaply import heartbeat as _heartbeat  # noqa: F401 (connects worker_ready)
from instaply import rls


@shared_task(name="reliability.sweep")
def sweep() -> dict:
    from instaply.sweeper import sweep as run

    with rls.platform_work("sweeper: stored work of every tenant not yet handed to a worker"):
        return run()


@shared_task(name="reliability.heartbeat")
def heartbeat() -> None:
    _heartbeat.beat()
