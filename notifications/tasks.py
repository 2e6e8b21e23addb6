"""Background work of notifications (found by Celery's autodiscovery). Tasks
take ids and can run twice."""

from celery import shared_task


@shared_task(
    name="notifications.send_email_notice",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def send_email_notice(notice_id: str) -> bool:
    """Emails one assignment or mention notice; does nothing once it is sent or skipped."""
    from notifications.services.emails import email_notice_send

    return email_notice_send(notice_id=notice_id)
