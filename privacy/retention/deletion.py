"""The deleting half of a retention run (privacy.retention.run.retention_apply):
batches of rows found by privacy.retention.candidates, each batch its own short
transaction, the run giving way to the inbox between batches."""

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterator

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils import timezone

from analytics.reporting.forget import facts_forget
from attachments.services import attachments_delete_for_messages
from audit.recorder import Actor
from channels_sms.models import SendAttempt, WebhookDelivery
from conversations.models import Contact, Conversation, FeedEvent, Message, Note
from privacy.dsr.models import AccessPackage, LegalHold
from privacy.dsr.package import package_path
from privacy.retention.candidates import KINDS, Scope
from privacy.services.keys import data_key_destroy
from search.services import contacts_forget, documents_forget

ACTOR = Actor.system("retention")
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


def keyset_page(queryset: QuerySet, time_field: str, after, size: int, *extra: str) -> QuerySet:
    """The next ``size`` rows after ``after`` (a ``(time, id)`` pair, or None), as
    ``(time, id, *extra)``: a row comparison, so PostgreSQL seeks into the index
    on (tenant, time) instead of reading the rows before the key again."""
    if after is not None:
        queryset = queryset.filter(TupleGreaterThan(Tuple(F(time_field), F("id")), after))
    return queryset.order_by(time_field, "id").values_list(time_field, "id", *extra)[:size]


class Deletion:
    """One run's deletions in one tenant, and their counts per kind."""

    def __init__(self, scope: Scope, totals: dict, batch: int, progress: Progress | None):
        self.scope = scope
        self.tenant_id = scope.tenant_id
        self.totals = totals
        self.batch = max(1, batch)
        self.progress = progress
        self.counts: Counter = Counter()

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
        while rows := list(keyset_page(queryset, time_field, last, self.batch, *extra)):
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
        # Rows written before the cutoff only: a message arriving during the run
        # revives its conversation, which is then kept with it.
        self._locked_batches(self.scope.batch_messages(ids, cutoff), self._delete_messages)
        self._locked_batches(self.scope.batch_notes(ids, cutoff), self._delete_notes)
        # Live-feed events hold ids and states only, never content.
        events = self.scope.batch_feed_events(ids)
        while seqs := list(events.values_list("seq", flat=True)[: self.batch]):
            started = time.monotonic()
            with transaction.atomic():
                FeedEvent.objects.for_tenant(t).filter(seq__in=seqs).delete()
            self._give_way(started)
        started = time.monotonic()
        self._delete_conversation_rows(rule, ids)
        self._give_way(started)

    def _locked_batches(self, rows: QuerySet, delete: Callable[[list], None]) -> None:
        """Deletes ``rows`` (which have a contact) a batch at a time, each batch in
        its own transaction under its contacts' locks, skipping held contacts."""
        while True:
            started = time.monotonic()
            page = list(rows.values_list("id", "contact_id")[: self.batch])
            if not page:
                return
            with transaction.atomic():
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
        # one statement, without loading them (send attempts, attachments and MMS
        # fetch rows are the only rows that point at a message: test_run_scale.py
        # checks it).
        self.add(WebhookDelivery.objects.for_tenant(t).filter(message_id__in=ids).delete()[1])
        self.add(SendAttempt.objects.for_tenant(t).filter(message_id__in=ids).delete()[1])
        # Their files: rows now, encrypted blobs once this commits; their MMS
        # fetch rows with them.
        self.add({"attachments.Attachment": attachments_delete_for_messages(t, ids)})
        messages = Message.objects.for_tenant(t).filter(pk__in=ids)
        self.add({"conversations.Message": messages._raw_delete(messages.db)})
        # Their tokens in the search index (plain ids there: no cascade reaches them).
        documents_forget(tenant_id=t, ids=ids)
        facts_forget(t, message_ids=ids)

    def _delete_notes(self, ids: list) -> None:
        if ids:
            Note.objects.for_tenant(self.tenant_id).filter(pk__in=ids).delete()

    def _delete_conversation_rows(self, rule: Q, ids: list) -> None:
        """The conversations still due and not held go, under their rows' locks and
        their contacts'; in the same transaction, their contacts left with no
        conversation are shredded, so a run stopped anywhere leaves none behind."""
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
                return
            # Messages written after the cutoff without reviving the conversation
            # (few, if any): their stored webhooks first, then the cascade takes them.
            late = Message.objects.for_tenant(t).filter(conversation_id__in=gone_ids)
            self.add(
                WebhookDelivery.objects.for_tenant(t)
                .filter(message_id__in=late.values("pk"))
                .delete()[1]
            )
            self.add(
                {
                    "attachments.Attachment": attachments_delete_for_messages(
                        t, list(late.values_list("pk", flat=True))
                    )
                }
            )
            FeedEvent.objects.for_tenant(t).filter(conversation_id__in=gone_ids).delete()
            documents_forget(tenant_id=t, ids=list(late.values_list("pk", flat=True)))
            # Cascades: messages left and their send attempts, notes left, labels,
            # read marks, visitor sessions, access-grant entries.
            self.add(Conversation.objects.for_tenant(t).filter(pk__in=gone_ids).delete()[1])
            # Their messages' facts too, those written after the cutoff included.
            facts_forget(t, conversation_ids=gone_ids)
            self._shred(sorted({contact_id for _, contact_id in gone}))

    # 3. Contacts left with no conversation ----------------------------------------------

    def _shred(self, contact_ids: list) -> None:
        """Crypto-shreds those of ``contact_ids`` left with no conversation (inside
        the transaction that deleted their conversations)."""
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
            # Their documents in the search index: theirs, and any message's left.
            contacts_forget(tenant_id=t, contact_ids=gone)
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
