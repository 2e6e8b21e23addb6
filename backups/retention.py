"""How long a backup can outlive its retention: until the prune that deletes it.

``backups.prune`` runs on the beat schedule (daily by default) and deletes the
sets older than their retention at that moment; a set that passes its retention
just after a run lives until the next one. So a backup taken at T is gone for
sure by T + retention + one prune interval, and that is the date we promise
(the erasure receipt's: privacy/dsr/erasure.py), not T + retention.
"""

from datetime import datetime, timedelta

from django.conf import settings

from backups.layout import KEYS


def prune_interval() -> timedelta:
    schedule = settings.CELERY_BEAT_SCHEDULE["backups.prune"]["schedule"]
    return schedule if isinstance(schedule, timedelta) else timedelta(seconds=schedule)


def backup_deleted_by(kind: str, *, taken_at: datetime) -> datetime:
    """When a backup set of ``kind`` (DATABASE or KEYS) taken at ``taken_at`` has
    been deleted by the prune, at the latest."""
    days = settings.KEY_BACKUP_RETENTION_DAYS if kind == KEYS else settings.BACKUP_RETENTION_DAYS
    return taken_at + timedelta(days=days) + prune_interval()
