"""Background work of access grants. Tasks take ids and can run twice."""

from celery import shared_task


@shared_task(
    name="platform_staff.notify_access_request",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_access_request(grant_id: str) -> bool:
    from platform_staff.emails import access_request_email

    return access_request_email(grant_id=grant_id)


@shared_task(
    name="platform_staff.notify_access_decision",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_access_decision(grant_id: str) -> bool:
    from platform_staff.emails import access_decision_email

    return access_decision_email(grant_id=grant_id)


@shared_task(name="platform_staff.record_access_expiries")
def record_access_expiries() -> int:
    """Beat runs this every few minutes; access ended at the expiry time anyway."""
    from platform_staff.services.grants import access_expiries_record

    return access_expiries_record()


@shared_task(
    name="platform_staff.notify_disclosure",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_disclosure(disclosure_id: str) -> bool:
    from platform_staff.emails_disclosures import disclosure_informed_email

    return disclosure_informed_email(disclosure_id=disclosure_id)
