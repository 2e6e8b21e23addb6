"""The work of a started request, in a Celery task on the low-priority ``dsr``
queue (settings CELERY_TASK_ROUTES), so an erasure or an export never waits in
front of the inbox's own tasks.

The task takes the request's id and can run any number of times: a request
that is not in progress (completed, paused, cancelled) is left alone, and a
retry runs the executor again, which is itself safe to repeat.
"""

import logging

from celery import shared_task

from instaply.errors import Conflict

logger = logging.getLogger(__name__)


# One run of a request's work at a time: the sweeper publishes again a request
# whose work has not begun, and the executor is too long to hold a row lock over.
# A worker killed mid-run leaves the claim until it expires, then the sweeper
# starts the work again.
CLAIM_SECONDS = 3600


def perform(*, dsr_id) -> str:
    """Carries out the request; returns what happened (a code, for logs and tests)."""
    from django.core.cache import cache

    claim = f"dsr-work:{dsr_id}"
    if not cache.add(claim, 1, timeout=CLAIM_SECONDS):
        return "running"
    try:
        return _perform(dsr_id=dsr_id)
    finally:
        cache.delete(claim)


def _perform(*, dsr_id) -> str:
    from privacy.dsr import executors, selectors, services
    from privacy.dsr.models import DataSubjectRequest

    dsr = selectors.dsr_by_id(dsr_id)
    if dsr is None or dsr.state != DataSubjectRequest.State.IN_PROGRESS or dsr.paused:
        return "skipped"
    executor = executors.executor_for(dsr.request_type)

    def progress(percent: int) -> None:
        services.dsr_progress(dsr_id=dsr.pk, percent=percent)

    try:
        counts = executor(dsr, dsr.contact, progress)
    except Conflict as refusal:
        # The executor cannot go on (a legal hold...): the request waits on the
        # tenant with the executor's words, visible to the DPO.
        services.dsr_pause(actor=None, dsr=dsr, reason=refusal.message[:500])
        return "paused"
    services.dsr_complete(dsr=dsr, counts=counts or {})
    return "completed"


@shared_task(
    name="privacy.dsr.work.perform_request",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def perform_request(dsr_id: str) -> str:
    return perform(dsr_id=dsr_id)


@shared_task(
    name="privacy.dsr.work.notify_outcome",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_outcome(dsr_id: str) -> bool:
    from privacy.dsr.emails import outcome_email

    return outcome_email(dsr_id=dsr_id)
