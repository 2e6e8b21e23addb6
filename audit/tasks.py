"""Background work of the audit log. Tasks take ids and can run twice."""

from celery import shared_task
from django.conf import settings

from instaply import rls


@shared_task(name="audit.seal_events")
def seal_events(full: bool = False) -> int:
    """Beat runs this every AUDIT_SEAL_INTERVAL_SECONDS; a run finding another
    sealer at work does nothing."""
    from audit.sealing import seal_events as seal

    with rls.platform_work("audit sealing: every tenant's chain", audited=False):
        return seal(full=full, max_events=settings.AUDIT_SEAL_BATCH_SIZE * 100).sealed


@shared_task(name="audit.enforce_retention")
def enforce_retention() -> int:
    from audit.retention import enforce_retention as enforce

    with rls.platform_work("audit retention: every tenant's old events"):
        return enforce().events_pruned


@shared_task(
    name="audit.evaluate_event", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def evaluate_event(event_id: str) -> int:
    """Runs the alert rules for one event; counts come from the table, so a
    second run finds the same alerts and creates nothing new."""
    from audit.models import AuditEvent
    from audit.rules import evaluate

    event = (
        AuditEvent.objects.dangerously_unscoped(reason="task by id of an event just recorded")
        .filter(pk=event_id)
        .first()
    )
    return len(evaluate(event)) if event is not None else 0


@shared_task(name="audit.notify_alert", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_alert(alert_id: str) -> bool:
    from audit.alerts import alert_notify

    return alert_notify(alert_id=alert_id)
