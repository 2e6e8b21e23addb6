"""Handing a task to the broker once the transaction that stored its work commits.

The stored row is the record of the work; the broker message only says "go". So
a publish that fails (Redis down, refusing or hanging) must not fail the request
that stored the row, nor block it for long: the broker settings bound a publish
to a few seconds (``CELERY_PUBLISH_TIMEOUT_SECONDS``), the failure is logged
here with the task name and ids only, and the sweeper (``instaply/sweeper.py``)
publishes again for every row still waiting after ``SWEEP_GRACE_SECONDS``.

Every call site that queues work after commit goes through this module rather
than ``transaction.on_commit(lambda: task.delay(...))``.
"""

import logging

from django.db import transaction

log = logging.getLogger("instaply.publish")


def publish(task, *ids, **options) -> bool:
    """Publishes ``task`` with ``ids`` (as strings) now; False when it could not.

    Arguments are ids only: what travels through the broker holds no personal data.
    ``options`` go to ``apply_async`` (a queue, a countdown).
    """
    args = [str(value) for value in ids]
    try:
        task.apply_async(args=args, **options)
    except Exception as exc:  # noqa: BLE001 (any failure leaves the row for the sweeper)
        # The class name only: a broker error's text can carry the broker's
        # address and an eager task's error can carry content.
        log.warning(
            "publish failed: task=%s ids=%s error=%s; the sweeper will queue it again",
            task.name,
            ",".join(args),
            type(exc).__name__,
        )
        return False
    return True


def publish_after_commit(task, *ids, **options) -> None:
    """Publishes ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish(task, *ids, **options))
