"""The retention run of one tenant: what it would delete (``retention_preview``)
and the deletion itself (``retention_apply``).

A run, in order:

1. *The platform's own rows about people*, each by an indexed range on its time
   column (privacy.retention.candidates): stored SMS webhooks, waiting parts of
   long texts, send attempts, widget visitor sessions.
2. *Conversations* with no activity for the tenant's days (closed ones first when
   the tenant set ``closed_days``), a batch of conversations at a time: their
   messages (with the send attempts and stored webhooks of those messages) and
   notes in batches of rows, each batch its own short transaction; then, in one
   short transaction under the rows' locks, the conversations themselves (their
   labels, read marks, visitor sessions and access-grant entries cascade); then
   their live-feed events.
3. *Contacts left with no conversation* among those whose conversations went:
   crypto-shredded as an erasure does it (their data key destroyed, then the row
   deleted with its identifiers and consent ledger), without a data-subject request.
4. One ``retention.applied`` audit event with the counts per kind, and the
   counts stored as the policy's ``last_run``.

A contact under an active legal hold keeps everything. Each batch locks the
contacts it is about to delete rows of (FOR NO KEY UPDATE, which a hold being
set waits for) and checks their holds again, so a hold committed during a run
stops the deletion of that contact's rows from the next statement on.

Every statement is keyed by a time range, a batch of ids or a contact, and served
by an index: the cost follows what is deleted, not the size of the tables. After
each batch the run waits as long as the batch took (``GIVE_WAY``), like an
erasure, so the inbox keeps answering while it runs.

Running twice is safe: the second run finds nothing more to delete (and still
records its own summary event). A conversation that comes back to life during
the run (a new message) is kept with its new messages; the old ones, already
past retention, may be gone.
"""

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils import timezone

from audit import actions
from audit.models import AuditEvent
from audit.recorder import Actor, record
from channels_sms.models import SendAttempt, WebhookDelivery
from conversations.models import Contact, Conversation, FeedEvent, Message, Note, WidgetVisitor
from privacy.dsr.models import AccessPackage, LegalHold
from privacy.dsr.package import package_path
from privacy.retention.candidates import Cutoffs, Scope
from privacy.retention.models import RetentionPolicy
from privacy.retention.selectors import retention_policy_for
from privacy.services.keys import data_key_destroy
from tenants.models import Tenant

logger = logging.getLogger(__name__)

ACTOR = Actor.system("retention")
# Kinds of rows a run deletes, as the counts name them (in this order).
KINDS = (
    "conversations",
    "messages",
    "contacts",
    "webhook_deliveries",
    "concatenated_parts",
    "send_attempts",
    "visitor_sessions",
)
# Conversations that were due but kept because their contact is under a legal hold.
HELD = "held"
# After each batch the run waits this share of the time the batch took (see
# privacy.dsr.erasure.GIVE_WAY): retention can take longer, the inbox cannot.
GIVE_WAY = 1.0

# What the counts call each model's rows (Django's delete() reports by label);
# the rest (notes, labels, read marks, identifiers, consent entries) go with
# their conversation or contact and are not counted apart.
COUNT_NAMES = {
    "conversations.Conversation": "conversations",
    "conversations.Message": "messages",
    "conversations.Contact": "contacts",
    "channels_sms.WebhookDelivery": "webhook_deliveries",
    "channels_sms.ConcatenatedParts": "concatenated_parts",
    "channels_sms.SendAttempt": "send_attempts",
    "conversations.WidgetVisitor": "visitor_sessions",
}

Progress = Callable[[str, int, int], None]


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
    run = _Run(scope, totals, batch_size or settings.RETENTION_BATCH_SIZE, progress)
    run.platform_rows()
    run.conversations()
    run.contacts()
    counts = _zero() | {kind: run.counts[kind] for kind in KINDS}
    counts[HELD] = totals[HELD]
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


class _Run:
    def __init__(self, scope: Scope, totals: dict, batch: int, progress: Progress | None):
        self.scope = scope
        self.tenant_id = scope.tenant_id
        self.totals = totals
        self.batch = max(1, batch)
        self.progress = progress
        self.counts: Counter = Counter()
        self.touched_contacts: set = set()

    # Bookkeeping -------------------------------------------------------------------

    def add(self, per_model: dict) -> None:
        changed = set()
        for label, number in per_model.items():
            kind = COUNT_NAMES.get(label, label)
            if number and kind in KINDS:
                self.counts[kind] += number
                changed.add(kind)
        if self.progress is not None:
            for kind in sorted(changed, key=KINDS.index):
                self.progress(kind, self.counts[kind], self.totals[kind])

    def _give_way(self, started: float) -> None:
        time.sleep((time.monotonic() - started) * GIVE_WAY)

    def _keyset(self, queryset: QuerySet, time_field: str, *extra: str) -> Iterator[list[tuple]]:
        """Pages of ``(time, id, *extra)`` in time order. The key moves past rows the
        caller left (held, revived), so none is read twice."""
        last = None
        while True:
            page = queryset
            if last is not None:
                page = page.filter(TupleGreaterThan(Tuple(F(time_field), F("id")), last))
            rows = list(
                page.order_by(time_field, "id").values_list(time_field, "id", *extra)[: self.batch]
            )
            if not rows:
                return
            last = rows[-1][:2]
            yield rows

    # 1. The platform's own rows -------------------------------------------------------

    def platform_rows(self) -> None:
        scope = self.scope
        for state in (WebhookDelivery.State.PROCESSED, WebhookDelivery.State.FAILED):
            # One state at a time: a range of sms_delivery_tenant_state each.
            self._by_age(scope.due_webhook_deliveries(state), "received_at")
        self._by_age(scope.due_concatenated_parts(), "created_at")
        self._by_age(scope.due_send_attempts(), "finished_at")
        self._by_age(scope.due_visitor_sessions(), "last_seen_at")

    def _by_age(self, due: QuerySet, time_field: str) -> None:
        for rows in self._keyset(due, time_field):
            started = time.monotonic()
            with transaction.atomic():
                # The rule again in the DELETE: a row replayed or seen since is kept.
                _, per_model = due.filter(pk__in=[row[1] for row in rows]).delete()
                self.add(per_model)
            self._give_way(started)

    # 2. Conversations -----------------------------------------------------------------

    def conversations(self) -> None:
        for _name, rule, cutoff in self.scope.conversation_rules():
            due = self.scope.due_conversations(rule)
            for rows in self._keyset(due, "last_activity_at", "contact_id"):
                self._conversation_batch(rule, cutoff, [row[1] for row in rows])

    def _conversation_batch(self, rule: Q, cutoff: dt.datetime, ids: list) -> None:
        t = self.tenant_id
        held = self.scope.held_contacts()
        # Rows written before the cutoff only: a message arriving during the run
        # revives its conversation, which is then kept with it.
        thread = (
            Message.objects.for_tenant(t)
            .filter(conversation_id__in=ids, created_at__lte=cutoff)
            .exclude(contact_id__in=held)
            .order_by()
        )
        self._locked_batches(thread, self._delete_messages)
        notes = (
            Note.objects.for_tenant(t)
            .filter(conversation_id__in=ids, created_at__lte=cutoff)
            .exclude(contact_id__in=held)
            .order_by()
        )
        self._locked_batches(notes, self._delete_notes)
        started = time.monotonic()
        gone = self._delete_conversation_rows(rule, ids)
        self._give_way(started)
        # Ids and states only (never content): swept after their conversations.
        # Index: feed_event_tenant_conv.
        events = FeedEvent.objects.for_tenant(t).filter(conversation_id__in=gone)
        while True:
            started = time.monotonic()
            seqs = list(events.values_list("seq", flat=True)[: self.batch])
            if not seqs:
                return
            with transaction.atomic():
                FeedEvent.objects.for_tenant(t).filter(seq__in=seqs).delete()
            self._give_way(started)

    def _locked_batches(self, rows: QuerySet, delete: Callable[[list], None]) -> None:
        """Deletes ``rows`` (which have a contact) a batch at a time, each batch in
        its own transaction under its contacts' locks, skipping held contacts."""
        while True:
            started = time.monotonic()
            with transaction.atomic():
                page = list(rows.values_list("id", "contact_id")[: self.batch])
                if not page:
                    return
                free = self._lock_unheld({contact_id for _, contact_id in page})
                delete([row_id for row_id, contact_id in page if contact_id in free])
            self._give_way(started)

    def _lock_unheld(self, contact_ids: set) -> set:
        """Locks the contacts (in id order, as every batch does) and returns those
        without an active hold. legal_hold_set locks the contact FOR UPDATE: a
        hold committed before this lock is seen, one after it waits for the batch."""
        t = self.tenant_id
        locked = set(
            Contact.objects.for_tenant(t)
            .filter(pk__in=contact_ids)
            .select_for_update(no_key=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        held = set(
            LegalHold.objects.for_tenant(t)
            .filter(contact_id__in=locked, released_at__isnull=True)
            .values_list("contact_id", flat=True)
        )
        return locked - held

    def _delete_messages(self, ids: list) -> None:
        if not ids:
            return
        t = self.tenant_id
        # As privacy.dsr.erasure does: the stored webhooks that became these
        # messages or reported their status (index sms_delivery_tenant_message),
        # their send attempts (sms_attempt_tenant_message), then the messages in
        # one statement, without loading them (send attempts are the only rows
        # that point at a message: test_run_scale.py checks it).
        self.add(WebhookDelivery.objects.for_tenant(t).filter(message_id__in=ids).delete()[1])
        self.add(SendAttempt.objects.for_tenant(t).filter(message_id__in=ids).delete()[1])
        messages = Message.objects.for_tenant(t).filter(pk__in=ids)
        self.add({"conversations.Message": messages._raw_delete(messages.db)})

    def _delete_notes(self, ids: list) -> None:
        if ids:
            Note.objects.for_tenant(self.tenant_id).filter(pk__in=ids).delete()

    def _delete_conversation_rows(self, rule: Q, ids: list) -> list:
        """The conversations still due and not held, under their rows' locks and
        their contacts'; returns the ids deleted."""
        t = self.tenant_id
        with transaction.atomic():
            contacts = set(
                Conversation.objects.for_tenant(t)
                .filter(pk__in=ids)
                .values_list("contact_id", flat=True)
            )
            free = self._lock_unheld(contacts)
            gone = list(
                Conversation.objects.for_tenant(t)
                .filter(pk__in=ids, contact_id__in=free)
                .filter(rule)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", "contact_id")
            )
            gone_ids = [pk for pk, _ in gone]
            if not gone_ids:
                return []
            # Messages written after the cutoff without reviving the conversation
            # (few, if any): their stored webhooks first, then the cascade takes them.
            late = Message.objects.for_tenant(t).filter(conversation_id__in=gone_ids)
            self.add(
                WebhookDelivery.objects.for_tenant(t)
                .filter(message_id__in=late.values("pk"))
                .delete()[1]
            )
            # Cascades: messages left and their send attempts, notes left, labels,
            # read marks, visitor sessions, access-grant entries.
            self.add(Conversation.objects.for_tenant(t).filter(pk__in=gone_ids).delete()[1])
        self.touched_contacts.update(contact_id for _, contact_id in gone)
        return gone_ids

    # 3. Contacts left with no conversation ----------------------------------------------

    def contacts(self) -> None:
        touched = sorted(self.touched_contacts)
        for start in range(0, len(touched), self.batch):
            started = time.monotonic()
            self._shred(touched[start : start + self.batch])
            self._give_way(started)

    def _shred(self, contact_ids: list) -> None:
        t = self.tenant_id
        with transaction.atomic():
            # A contact being erased (erased_at) is its erasure's to finish.
            locked = set(
                Contact.objects.for_tenant(t)
                .filter(pk__in=contact_ids, erased_at__isnull=True)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            # Index: conv_tenant_contact.
            busy = set(
                Conversation.objects.for_tenant(t)
                .filter(contact_id__in=locked)
                .values_list("contact_id", flat=True)
            )
            held = set(
                LegalHold.objects.for_tenant(t)
                .filter(contact_id__in=locked, released_at__isnull=True)
                .values_list("contact_id", flat=True)
            )
            gone = sorted(locked - busy - held)
            if not gone:
                return
            for contact_id in gone:
                # Crypto-shredding, as an erasure does it: every value encrypted
                # under the contact's key, in backups too, is unreadable from now on.
                data_key_destroy(tenant_id=t, subject_id=contact_id, actor=ACTOR)
            self._delete_packages(gone)
            # Cascades: identifiers, consent entries, released holds; the contact's
            # data-subject requests keep their record without it.
            self.add(Contact.objects.for_tenant(t).filter(pk__in=gone).delete()[1])

    def _delete_packages(self, contact_ids: list) -> None:
        """An access package is the subject's data in clear: it goes with the
        contact, as in an erasure (the hourly task would otherwise take it)."""
        packages = AccessPackage.objects.for_tenant(self.tenant_id).filter(
            request__contact_id__in=contact_ids, deleted_at__isnull=True
        )
        for package in packages:
            if package.storage_name:
                package_path(package).unlink(missing_ok=True)
            package.deleted_at = timezone.now()
            package.save(update_fields=["deleted_at"])
