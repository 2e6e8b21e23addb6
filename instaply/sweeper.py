"""The sweeper: work stored but never handed to a worker is published again.

Every piece of queued work is a row first (a webhook delivery, a reply, an
MMS's media to fetch, a data-subject request, an invitation email); the broker
message that says "go" is sent after commit and can be lost: the broker was down
(instaply/publish.py logs it and moves on), a worker died holding it, Redis lost
it. So once a minute (``reliability.sweep`` on the beat schedule, or ``manage.py
sweep`` by hand) each rule below lists the rows still waiting after
``SWEEP_GRACE_SECONDS``, oldest first and at most ``SWEEP_BATCH`` per rule,
and publishes their task again, by id.

Publishing twice is safe: every task locks its row and checks its state before
working, so a second message for work already done, or being done, does nothing
(the data-subject request's work, too long to hold a lock, claims its request in
the cache instead: privacy/dsr/work.py; an MMS's fetch stores each item once, by
its message and position: attachments/mms.py). This reads every tenant's rows:
the sweep is platform work, hence the named unscoped queries.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from instaply import sweeper_owed
from instaply.publish import publish

log = logging.getLogger("instaply.sweeper")


@dataclass(frozen=True)
class Rule:
    name: str
    # The waiting rows' ids (or id tuples, for a task taking several), oldest first:
    # (now, stored before) -> a values_list queryset, or a list.
    waiting: Callable
    task: Callable  # returns the Celery task (imported late: apps load first)


def _webhook_deliveries(now, before):
    """Publish mode only: with the dispatcher the pending row is itself the job,
    claimed by the next dispatcher pass (channels_sms/services/dispatch.py)."""
    from channels_sms.models import WebhookDelivery

    if settings.SMS_INBOUND_DISPATCH == "dispatcher":
        return []  # nothing to publish (sliced like the rules' querysets)
    return (
        WebhookDelivery.objects.dangerously_unscoped(reason="sweeper: pending deliveries")
        .filter(state=WebhookDelivery.State.PENDING, received_at__lt=before)
        .order_by("received_at")
        .values_list("pk", flat=True)
    )


def _outbound_sms(now, before):
    """Replies queued with no live attempt: none calling the provider right now,
    none failed transiently recently enough that its retry is still scheduled."""
    from channels_sms.models import SendAttempt
    from conversations.models import Message

    calling_since = now - dt.timedelta(seconds=settings.SMS_CALL_STALE_SECONDS)
    retry_since = now - dt.timedelta(seconds=settings.SMS_SEND_BACKOFF_MAX_SECONDS * 1.2)
    live = SendAttempt.objects.dangerously_unscoped(reason="sweeper: live send attempts").filter(
        Q(outcome=SendAttempt.Outcome.CALLING, started_at__gte=calling_since)
        | Q(outcome=SendAttempt.Outcome.TRANSIENT, finished_at__gte=retry_since)
    )
    return (
        Message.objects.dangerously_unscoped(reason="sweeper: queued replies")
        .filter(
            direction=Message.Direction.OUTBOUND,
            status=Message.Status.QUEUED,
            provider_message_id="",
            conversation__channel="sms",
            status_changed_at__lt=before,
        )
        .exclude(pk__in=live.values("message_id"))
        .order_by("status_changed_at")
        .values_list("pk", flat=True)
    )


def _dsr_work(now, before):
    """Requests started (or resumed) whose work no worker has begun."""
    from privacy.dsr.models import DataSubjectRequest, RequestEvent

    recent = RequestEvent.objects.dangerously_unscoped(reason="sweeper: request events").filter(
        kind__in=(RequestEvent.Kind.STARTED, RequestEvent.Kind.RESUMED), at__gte=before
    )
    return (
        DataSubjectRequest.objects.dangerously_unscoped(reason="sweeper: requests to work")
        .filter(state=DataSubjectRequest.State.IN_PROGRESS, paused=False, progress=0)
        .exclude(pk__in=recent.values("request_id"))
        .order_by("received_at")
        .values_list("pk", flat=True)
    )


def _dsr_outcome_emails(now, before):
    """Requests closed whose outcome email never left."""
    from privacy.dsr.emails import OUTCOMES
    from privacy.dsr.models import DataSubjectRequest

    return (
        DataSubjectRequest.objects.dangerously_unscoped(reason="sweeper: outcome emails")
        .filter(state__in=OUTCOMES, outcome_notified_at__isnull=True, closed_at__lt=before)
        .order_by("closed_at")
        .values_list("pk", flat=True)
    )


def _mms_media(now, before):
    """Inbound MMS whose media fetch is not done (attachments/mms.py): their
    MediaFetch rows, written with the messages, say so in clear."""
    from attachments.mms import media_fetches_waiting

    return media_fetches_waiting(now=now, before=before)


def _invitation_deliveries(now, before):
    from tenants.services.invitation_delivery import invitation_deliveries_stalled

    return invitation_deliveries_stalled(now=now, before=before)


def _task(path: str) -> Callable:
    def load():
        from importlib import import_module

        module, name = path.rsplit(".", 1)
        return getattr(import_module(module), name)

    return load


RULES = (
    Rule("webhook_deliveries", _webhook_deliveries, _task("channels_sms.tasks.process_delivery")),
    Rule("outbound_sms", _outbound_sms, _task("channels_sms.tasks.send_message")),
    Rule("mms_media", _mms_media, _task("attachments.tasks.fetch_mms_media")),
    Rule("dsr_work", _dsr_work, _task("privacy.dsr.work.perform_request")),
    Rule("dsr_outcome_emails", _dsr_outcome_emails, _task("privacy.dsr.work.notify_outcome")),
    Rule(
        "invitation_deliveries", _invitation_deliveries, _task("tenants.tasks.invitation_deliver")
    ),
    # Emails, announcements and a package owed to people (instaply/sweeper_owed.py).
    *(Rule(name, waiting, _task(path)) for name, waiting, path in sweeper_owed.RULES),
)

# Tasks that are neither on the beat schedule nor published again by a rule, and
# why losing one of their broker messages loses nothing that matters (or what it
# loses). instaply/tests/test_sweeper.py holds every registered task to one of
# the three.
NOT_SWEPT = {
    "web.password_reset_send": "no row records a reset asked for (by design: the "
    "form says the same whether the address exists); the person asks again",
    "login_data.tell_signed_out": "a courtesy email with no mark; the signed-out "
    "person sees the end of the session at the next request and on their sessions page",
    "audit.evaluate_event": "the rules count events from the table: the next "
    "watched event of the burst raises the alert a lost evaluation missed",
    "compliance.audit_request_email": "the steps owed are not rows (the list on the "
    "request marks those sent); each step also posts an in-app notice in the same "
    "transaction, which is the record people read",
    "compliance.refresh_records": "a tenant's refresh after a change; the daily "
    "compliance.refresh_all_records (beat) runs it for every tenant",
    "retention.apply_tenant": "published by the daily retention.apply_all (beat), "
    "which publishes it again for every tenant the next day",
    "policies.announce_version": "a fan-out only: the per-tenant announcements it "
    "publishes are swept (policy_announcements)",
}


def sweep(*, now=None, grace_seconds=None, batch=None) -> dict[str, int]:
    """Publishes again the work waiting longer than the grace; returns, per rule,
    how many were published. The first publish the broker refuses ends the run
    ("broker_down": 1): the rows stay waiting for the next one."""
    now = now or timezone.now()
    grace = settings.SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    batch = settings.SWEEP_BATCH if batch is None else batch
    before = now - dt.timedelta(seconds=grace)
    counts, broker_down = {}, False
    for rule in RULES:
        counts[rule.name] = 0
        if broker_down:
            continue  # every publish would wait its timeout and fail; next run
        ids = list(rule.waiting(now, before)[:batch])
        task = rule.task() if ids else None
        for row in ids:
            if not publish(task, *(row if isinstance(row, tuple) else (row,))):
                broker_down = True
                break
            counts[rule.name] += 1
    counts["broker_down"] = int(broker_down)
    log.info("sweep: %s", " ".join(f"{name}={count}" for name, count in counts.items()))
    return counts
