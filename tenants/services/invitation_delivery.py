"""Emailing an invitation's link, once per delivery, retried until the mail server takes it.

The house pattern of outbound SMS (channels_sms.services.outbound): the task
takes the delivery id; the delivery row stays locked while the mail server is
called, so a task delivered twice sends once (the second finds the delivery no
longer queued). Every try is an InvitationSendAttempt row, and the delivery is
marked sent only after the mail server accepted the mail.

The link's token is made for each sending and its digest stored only once the
mail left: a failed try leaves the previous link (if any) working.
"""

import datetime as dt
import random
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from instaply.publish import publish_after_commit
from tenants import credentials
from tenants.models import Invitation, InvitationDelivery, InvitationSendAttempt

# Mail servers defer for minutes (greylisting), so the backoff is wider than SMS's.
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 30
BACKOFF_MAX_SECONDS = 1800
# A queued delivery whose last attempt is older than the longest backoff lost its
# task (a worker killed mid-flight): the sweeper queues it again.
STALLED_AFTER = dt.timedelta(seconds=BACKOFF_MAX_SECONDS * 1.2 + 600)


@dataclass(frozen=True)
class Outcome:
    sent: bool = False
    retry_in: int | None = None  # seconds until the next try, for a transient failure


@dataclass(frozen=True)
class SendFailure:
    transient: bool
    code: str
    reason: str


def backoff_seconds(attempts_made: int) -> int:
    """Exponential, capped, with jitter so the retries of a burst spread out."""
    base = BACKOFF_SECONDS * 2 ** max(attempts_made - 1, 0)
    return max(1, round(min(base, BACKOFF_MAX_SECONDS) * random.uniform(0.8, 1.2)))  # noqa: S311


def invitation_delivery_queue(*, invitation: Invitation) -> InvitationDelivery:
    """Queues a sending of the invitation (inside the caller's transaction) and
    enqueues its task after commit. A sending already queued is enqueued again
    rather than doubled: the task does nothing for a delivery no longer queued."""
    delivery = (
        InvitationDelivery.objects.for_tenant(invitation.tenant_id)
        .filter(invitation=invitation, status=InvitationDelivery.Status.QUEUED)
        .first()
    )
    if delivery is None:
        delivery = InvitationDelivery.objects.create(
            tenant_id=invitation.tenant_id, invitation=invitation
        )
    from tenants.tasks import invitation_deliver

    # Only the id travels through the broker; the token is made by the task.
    # A broker outage must not fail the request whose invitation committed;
    # the sweeper queues the delivery again.
    publish_after_commit(invitation_deliver, delivery.pk)
    return delivery


def invitation_deliveries_stalled(*, now, before):
    """Ids of the deliveries still queued since before ``before`` whose task was
    lost: no attempt at all, or none within the longest backoff (a live retry is
    still scheduled then). The sweeper (instaply/sweeper.py) publishes them again;
    safe beside a live retry: the task sends only a delivery still queued, under
    its row lock."""
    from django.db.models import Max, Q

    return (
        InvitationDelivery.objects.dangerously_unscoped(
            reason="sweeper: every tenant's queued deliveries, by id"
        )
        .filter(status=InvitationDelivery.Status.QUEUED, queued_at__lt=before)
        .annotate(last_attempt=Max("attempts__started_at"))
        .filter(Q(last_attempt__isnull=True) | Q(last_attempt__lt=now - STALLED_AFTER))
        .order_by("queued_at")
        .values_list("pk", flat=True)
    )


def invitation_delivery_send(*, delivery_id) -> Outcome:
    with transaction.atomic():
        delivery = (
            InvitationDelivery.objects.dangerously_unscoped(
                reason="task by id of a delivery queued by a tenant-checked service"
            )
            .select_for_update(of=("self", "invitation"))
            .select_related("invitation__tenant")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != InvitationDelivery.Status.QUEUED:
            return Outcome()  # sent already, failed, or gone
        invitation = delivery.invitation
        started = timezone.now()
        if not invitation.is_usable(started):
            # Accepted, withdrawn or expired while queued: nothing worth sending.
            _finish(
                delivery,
                InvitationDelivery.Status.FAILED,
                code="not_usable",
                reason="The invitation was accepted, withdrawn or expired before its email left.",
                now=started,
            )
            return Outcome()
        raw, digest = credentials.new_secret(credentials.INVITATION_PREFIX)
        try:
            _mail(invitation, raw)
        except OSError as error:  # smtplib's errors are OSErrors too
            return _failed(delivery, _classify(error), started)
        made = _attempts_made(delivery) + 1
        _attempt(delivery, made, InvitationSendAttempt.Outcome.SENT, started)
        invitation.token_hash = digest
        invitation.save(update_fields=["token_hash"])
        delivery.sent_at = timezone.now()
        _finish(delivery, InvitationDelivery.Status.SENT, now=delivery.sent_at)
        return Outcome(sent=True)


def _mail(invitation: Invitation, token: str) -> None:
    tenant = invitation.tenant
    link = settings.PUBLIC_BASE_URL + reverse(
        "web:accept-invitation", kwargs={"tenant_slug": tenant.slug, "token": token}
    )
    send_mail(
        subject=f"You are invited to {tenant.name} on Instaply",
        message=(
            f"You have been invited to join {tenant.name} on Instaply "
            f"as {invitation.get_role_display().lower()}.\n\n"
            "Accept the invitation here (single use, expires "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n"
            f"{link}\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def _classify(error: OSError) -> SendFailure:
    """SMTP 4xx answers and unreachable servers are worth retrying; 5xx are not.
    The reason is ours: the server's text may quote the address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return SendFailure(
            transient=any(400 <= code < 500 for code in codes),
            code="recipient_refused",
            reason="The mail server refused the address.",
        )
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        return SendFailure(
            transient=code < 500,
            code=f"smtp_{code}",
            reason=f"The mail server answered {code}.",
        )
    return SendFailure(
        transient=True, code="mail_unreachable", reason="The mail server could not be reached."
    )


def _attempts_made(delivery: InvitationDelivery) -> int:
    # Index: invitation_attempt_once (tenant_id, delivery_id, number).
    return (
        InvitationSendAttempt.objects.for_tenant(delivery.tenant_id)
        .filter(delivery=delivery)
        .count()
    )


def _attempt(delivery, number: int, outcome: str, started, failure: SendFailure | None = None):
    InvitationSendAttempt.objects.create(
        tenant_id=delivery.tenant_id,
        delivery=delivery,
        number=number,
        outcome=outcome,
        error_code=failure.code[:32] if failure else "",
        error_reason=failure.reason[:200] if failure else "",
        started_at=started,
        finished_at=timezone.now(),
    )


def _failed(delivery: InvitationDelivery, failure: SendFailure, started) -> Outcome:
    made = _attempts_made(delivery) + 1
    gives_up = not failure.transient or made >= MAX_ATTEMPTS
    outcome = InvitationSendAttempt.Outcome
    _attempt(delivery, made, outcome.PERMANENT if gives_up else outcome.TRANSIENT, started, failure)
    if not gives_up:
        return Outcome(retry_in=backoff_seconds(made))
    reason = failure.reason
    if failure.transient:
        reason = f"Gave up after {made} attempts. {reason}"
    _finish(
        delivery,
        InvitationDelivery.Status.FAILED,
        code=failure.code,
        reason=reason,
        now=timezone.now(),
    )
    return Outcome()


def _finish(delivery, status: str, *, now, code: str = "", reason: str = "") -> None:
    delivery.status = status
    fields = ["status"]
    if status == InvitationDelivery.Status.FAILED:
        delivery.failed_at = now
        delivery.failure_code = code[:32]
        delivery.failure_reason = reason[:200]
        fields += ["failed_at", "failure_code", "failure_reason"]
    else:
        fields.append("sent_at")
    delivery.save(update_fields=fields)
