"""Background work of the compliance app. Tasks take ids and can run twice."""

from celery import shared_task


@shared_task(
    name="compliance.notify_subprocessor_change",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_subprocessor_change(change_id: str, tenant_id: str) -> bool:
    from compliance.subprocessors.emails import change_announced_email

    return change_announced_email(change_id=change_id, tenant_id=tenant_id)


@shared_task(
    name="compliance.notify_subprocessor_objection",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_subprocessor_objection(objection_id: str) -> bool:
    from compliance.subprocessors.emails import objection_raised_email

    return objection_raised_email(objection_id=objection_id)
