"""Background work of breach notices. Tasks take ids and can run twice."""

from celery import shared_task


@shared_task(
    name="breaches.email_notice", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def email_notice(notice_id: str) -> bool:
    from breaches.emails import notice_email

    return notice_email(notice_id=notice_id)


@shared_task(
    name="breaches.email_update", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def email_update(notice_id: str, update_id: str) -> bool:
    from breaches.emails import update_email

    return update_email(notice_id=notice_id, update_id=update_id)


@shared_task(name="breaches.alert_unsent_notices")
def alert_unsent_notices() -> int:
    """Beat runs this every 5 minutes: alerts to security at 12 h and 20 h."""
    from breaches.alerts import alert_unsent

    return alert_unsent()
