"""The retention run of one tenant: what it would delete (``retention_preview``)
and the deletion itself (``retention_apply``).

A run, in order:

1. *The platform's own rows about people*, each by an indexed range on its time
   column (privacy.retention.candidates): stored SMS webhooks, waiting parts of
   long texts, send attempts, widget visitor sessions.
2. *Conversations* with no activity for the tenant's days (closed ones first when
   the tenant set ``closed_days``), a batch of conversations at a time: their
   messages (with the send attempts and stored webhooks of those messages),
   notes and live-feed events in batches of rows, each batch its own short
   transaction; then, in one short transaction under the rows' locks, the
   conversations themselves (their labels, read marks, visitor sessions and
   access-grant entries cascade) and the contacts this left with no
   conversation, crypto-shredded as an erasure does it (their data key
   destroyed, then the row deleted with its identifiers and consent ledger),
   without a data-subject request. A run stopped anywhere thus leaves no
   contact without a conversation that the next run would not find.
3. One ``retention.applied`` audit event with the counts per kind, and the
   counts stored as the policy's ``last_run``.

A contact under an active legal hold keeps everything. Each batch locks the
contacts it is about to delete rows of (FOR NO KEY UPDATE, which a hold being
set waits for) and checks their holds again, so a hold committed during a run
stops the deletion of that contact's rows from the next statement on.

Every statement is keyed by a time range, a batch of ids or a contact, and served
by an index: the cost follows what is deleted, not the size of the tables. After
each batch the run waits as long as the batch took (privacy.retention.deletion's
``GIVE_WAY``), like an erasure, so the inbox keeps answering while it runs.

Running twice is safe: the second run finds nothing more to delete (and still
records its own summary event). A conversation that comes back to life during
the run (a new message) is kept with its new messages; the old ones, already
past retention, may be gone.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics.reporting.forget import forgetting_run
from audit import actions
from audit.models import AuditEvent
from audit.recorder import record
from channels_sms.models import SendAttempt, WebhookDelivery
from conversations.models import WidgetVisitor
from privacy.retention.candidates import HELD, KINDS, Cutoffs, Scope
from privacy.retention.deletion import ACTOR, Deletion, Progress
from privacy.retention.models import RetentionPolicy
from privacy.retention.selectors import retention_policy_for
from tenants.models import Tenant

__all__ = ["HELD", "KINDS", "retention_apply", "retention_last_run", "retention_preview"]


def _zero() -> dict[str, int]:
    return dict.fromkeys((*KINDS, HELD), 0)


def _scope(tenant: Tenant, now: dt.datetime | None) -> Scope:
    now = now or timezone.now()
    return Scope(tenant_id=tenant.pk, cutoffs=Cutoffs.of(retention_policy_for(tenant), now))


# Preview --------------------------------------------------------------------------


def retention_preview(tenant: Tenant, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Counts per kind of what a run at ``now`` would delete, and ``held``: the
    conversations it would keep for a legal hold. Equal to the run's own counts
    at the same ``now`` when nothing changes in between."""
    return _preview(_scope(tenant, now))


def _preview(scope: Scope) -> dict[str, int]:
    t = scope.tenant_id
    due = scope.due_conversations()
    messages = scope.messages_of(due).values("pk")
    counts = _zero()
    counts["conversations"] = due.count()
    counts["messages"] = scope.messages_of(due).count()
    counts["contacts"] = scope.contacts_left().count()
    # Rows due by age, plus the younger ones that go with a deleted message or
    # conversation (the older ones are in the first count already).
    counts["webhook_deliveries"] = (
        scope.due_webhook_deliveries().count()
        + WebhookDelivery.objects.for_tenant(t)
        .filter(message_id__in=messages)
        .exclude(scope.webhook_rule())
        .count()
    )
    counts["concatenated_parts"] = scope.due_concatenated_parts().count()
    counts["send_attempts"] = (
        scope.due_send_attempts().count()
        + SendAttempt.objects.for_tenant(t)
        .filter(message_id__in=messages)
        .exclude(scope.attempt_rule())
        .count()
    )
    counts["visitor_sessions"] = (
        scope.due_visitor_sessions().count()
        + WidgetVisitor.objects.for_tenant(t)
        .filter(conversation_id__in=due.values("pk"))
        .exclude(scope.visitor_rule())
        .count()
    )
    counts[HELD] = scope.held_conversations().count()
    return counts


# The run --------------------------------------------------------------------------


def retention_apply(
    tenant: Tenant,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Deletes what the tenant's retention says is due at ``now``; returns the
    counts per kind (and ``held``). ``dry_run``: the preview, nothing written."""
    now = now or timezone.now()
    scope = _scope(tenant, now)
    totals = _preview(scope)
    if dry_run:
        return totals
    run = Deletion(scope, totals, batch_size or settings.RETENTION_BATCH_SIZE, progress)
    run.platform_rows()
    # One reporting.facts_forgotten event for the run (analytics.reporting.forget).
    with forgetting_run(tenant_id=tenant.pk, cause="retention"):
        run.conversations()
    counts = _zero() | {kind: run.counts[kind] for kind in KINDS}
    # Counted at the end: a hold set during the run kept what was left of its contact.
    counts[HELD] = scope.held_conversations().count()
    _finish(tenant, now, counts)
    return counts


def _finish(tenant: Tenant, now: dt.datetime, counts: dict[str, int]) -> None:
    with transaction.atomic():
        record(
            actions.RETENTION_APPLIED,
            tenant=tenant.pk,
            actor=ACTOR,
            target=("tenant", tenant.pk),
            metadata=counts,
        )
        # A tenant on the platform's defaults has no row and gets none: a row would
        # pin today's defaults for it. Its last run is read from the audit event
        # (retention_last_run).
        RetentionPolicy.objects.for_tenant(tenant).update(
            last_run={"at": now.isoformat(), "counts": counts}
        )


def retention_last_run(tenant: Tenant) -> dict:
    """``{"at": iso, "counts": {...}}`` of the tenant's last run, or ``{}``: from its
    policy, or, for a tenant on the defaults, from the last run's audit event."""
    policy = retention_policy_for(tenant)
    if policy.last_run:
        return policy.last_run
    # Index: audit_tenant_action (tenant, action, created_at).
    event = (
        AuditEvent.objects.for_tenant(tenant)
        .filter(action=actions.RETENTION_APPLIED)
        .order_by("-created_at")
        .first()
    )
    if event is None:
        return {}
    return {"at": event.created_at.isoformat(), "counts": dict(event.metadata)}
