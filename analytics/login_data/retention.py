"""Login data is kept LOGIN_DATA_RETENTION_DAYS after a session's last activity.

The platform's own rows about staff, not a tenant's: purged by their own daily
task rather than inside each tenant's retention run (privacy/retention), since a
session belongs to a person who may work in several workspaces. Batches of ids,
each its own short transaction, found by the index on last activity.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics.login_data.models import LoginSession
from audit import actions
from audit.recorder import Actor, record

BATCH_SIZE = 1000
ACTOR = Actor.system("login_data.retention")


def login_data_purge(*, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Deletes the sessions past retention; one audit event with the count per run."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.LOGIN_DATA_RETENTION_DAYS)
    deleted = 0
    while True:
        with transaction.atomic():
            # Index: login_session_last_active.
            batch = list(
                LoginSession.objects.filter(last_active_at__lt=cutoff)
                .order_by("last_active_at")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                break
            deleted += LoginSession.objects.filter(pk__in=batch).delete()[0]
    record(
        actions.LOGIN_DATA_PURGED,
        actor=ACTOR,
        target=("login_data", "sessions"),
        metadata={"sessions": deleted, "days": settings.LOGIN_DATA_RETENTION_DAYS},
    )
    return deleted
