"""Tasks of the compliance app (found by Celery's autodiscovery). Each takes ids
and may run twice: the work it does is marked on its row and not done again."""

from celery import shared_task


@shared_task(name="compliance.build_audit_package")
def build_audit_package(request_id: str) -> bool:
    """Queued when an audit request is accepted (compliance/audits/package.py)."""
    from compliance.audits.package import audit_package_build

    return audit_package_build(request_id=request_id)


@shared_task(name="compliance.audit_request_email")
def audit_request_email(request_id: str, step: str, audience: str, key: str) -> bool:
    """One step of an audit request told to the DPOs or the owners, once."""
    from compliance.audits.emails import audit_request_email as send

    return send(request_id=request_id, step=step, audience=audience, key=key)


@shared_task(name="compliance.delete_expired_audit_packages")
def delete_expired_audit_packages() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): deletes evidence packages past their retention."""
    from compliance.audits.package import audit_packages_delete_expired

    return audit_packages_delete_expired()


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
