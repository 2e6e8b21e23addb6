"""Periodic analytics tasks (beat: instaply/settings/cache_and_celery.py). Both
can run twice at once: the flush claims its rows with SKIP LOCKED, the purge
deletes by age."""

from celery import shared_task


@shared_task(name="analytics.flush_events", acks_late=True)
def flush_events() -> int:
    from analytics.sending import events_flush

    return events_flush()


@shared_task(name="analytics.purge_events", acks_late=True)
def purge_events() -> dict:
    from analytics.sending import events_purge

    return events_purge()
