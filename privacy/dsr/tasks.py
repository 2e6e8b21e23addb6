"""Periodic tasks of data-subject requests (found by Celery's autodiscovery)."""

from celery import shared_task


@shared_task(name="privacy.delete_expired_packages")
def delete_expired_packages() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): deletes access packages 7 days after they were built."""
    from privacy.dsr.downloads import delete_expired_packages as delete

    return delete()


@shared_task(name="privacy.dsr_remind")
def dsr_remind() -> int:
    """Every 10 minutes (CELERY_BEAT_SCHEDULE): reminds the DPO at 50 % and 90 %
    of a request's working time, once each (privacy/dsr/reminders.py)."""
    from privacy.dsr.reminders import dsr_remind as remind

    return remind()
