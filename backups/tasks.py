"""Daily: backups past their retention are deleted (key backups after
KEY_BACKUP_RETENTION_DAYS, database backups after BACKUP_RETENTION_DAYS)."""

from celery import shared_task


@shared_task(name="backups.prune")
def prune() -> dict:
    from backups.services import backups_prune

    return backups_prune()
