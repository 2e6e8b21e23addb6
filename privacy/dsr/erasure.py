"""Erasure of one data subject (one contact of a tenant): the executor of
ERASURE requests, called by the work task of privacy.dsr.work.

The order is chosen so each step can be interrupted and run again:

1. *Freeze*: in one transaction, under the contact's row lock, refuse when a
   legal hold is active (the reason goes to the DPO), mark the contact as being
   erased (``erased_at``, hidden from contact lists) and restricted (no reply can
   be queued from now on), and write the ``ErasureRecord`` with the salted hash
   of the identifiers. The record carries the running counts, so a resumed run
   adds to what the first one did instead of forgetting it.
2. *Cut the ways in*: blind-index identifiers and widget visitors go first, so a
   text or a chat arriving meanwhile starts a new contact instead of feeding this one.
3. *Cancel* queued outbound messages (the send task only sends a QUEUED message,
   under the same row lock, so a cancelled one never leaves).
4. *Delete*, conversation by conversation, in batches of ``BATCH`` rows each in
   its own short transaction: messages (with their send attempts and stored
   webhook deliveries), notes, live-feed events, then the conversation (its
   labels and reads cascade). Every query is keyed by the contact or one of
   its conversations and served by an index, so the cost follows the
   subject's data, never the tenant's size.
5. *Shred*: destroy the contact's data key (every copy of its ciphertext, in
   backups too, becomes unreadable), delete the contact row, write the receipt.
6. Destroy the request's own data key: the identifiers the tenant gave on the
   request become unreadable as well; only the record's hash remains.
"""

import hashlib
import hmac
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics.reporting.forget import facts_forget, forgetting_run
from attachments.services import attachments_delete_for_messages
from audit.recorder import Actor, record
from channels_sms.models import ConcatenatedParts, SendAttempt, WebhookDelivery
from conversations.models import (
    Contact,
    ContactIdentifier,
    Conversation,
    FeedEvent,
    Message,
    Note,
    WidgetVisitor,
)
from instaply.errors import Conflict
from privacy import keyring
from privacy.blind_index import blind_index, normalise_email, normalise_phone
from privacy.crypto import DecryptionError, is_erased
from privacy.dsr.models import AccessPackage, DataSubjectRequest, ErasureRecord, LegalHold
from privacy.services.keys import data_key_destroy
from search.services import contacts_forget, documents_forget

logger = logging.getLogger(__name__)

BATCH = 500
# After each batch the erasure waits this share of the time the batch took, so
# it takes at most about half of a CPU and of its database backend from the
# inbox, whatever the machine's load: the 72-hour deadline can afford a few
# seconds more per 10,000 messages, the inbox cannot (bench/dsr_bench.py).
GIVE_WAY = 1.0
ACTOR = Actor.system("dsr_erasure")
# Stored values of the erasure record: codes and numbers only.
ERASED_DONE = "privacy.request_erasure_done"

# What the counts call each model's rows (Django's delete() reports by label).
COUNT_NAMES = {
    "conversations.Contact": "contacts",
    "conversations.ContactIdentifier": "identifiers",
    "conversations.Conversation": "conversations",
    "conversations.ConversationLabel": "conversation_labels",
    "conversations.ConversationRead": "conversation_reads",
    "conversations.Message": "messages",
    "conversations.Note": "notes",
    "attachments.Attachment": "attachments",
    "conversations.Reopening": "reopenings",
    "conversations.FeedEvent": "feed_events",
    "conversations.WidgetVisitor": "widget_visitors",
    "channels_sms.SendAttempt": "send_attempts",
    "channels_sms.WebhookDelivery": "webhook_deliveries",
    "channels_sms.ConcatenatedParts": "sms_parts",
    "dsr.LegalHold": "released_legal_holds",
    "consent.ConsentEntry": "consent_entries",
}

Progress = Callable[[int], None]


def erase_subject(request: DataSubjectRequest, contact: Contact | None, progress: Progress) -> dict:
    """Erases ``contact``; returns the counts of what was erased (codes and numbers)."""
    tenant_id = request.tenant_id
    done = ErasureRecord.objects.for_tenant(tenant_id).filter(request=request).first()
    if done is not None and done.receipt:
        # A run after the work was done (step 5 deletes the contact row in the
        # transaction that writes the receipt): only the last step may be left.
        _shred_request(request)
        progress(100)
        return _summary(done)
    if contact is None:
        raise Conflict("The request names no contact to erase.", code="no_contact")
    if contact.tenant_id != tenant_id:
        raise ValueError("the contact belongs to another tenant")

    erasure = _freeze(request, contact)
    progress(5)
    _cut_ways_in(erasure, contact)
    _cancel_queued(erasure, contact)
    progress(10)
    # Their facts leave the reporting database with the rows (analytics.reporting.forget).
    with forgetting_run(tenant_id=tenant_id, cause="erasure") as forgotten:
        _delete_conversations(erasure, contact, progress)
    with transaction.atomic():
        # What this run forgot (a run stopped half-way counts in its own
        # reporting.facts_forgotten audit event, not here).
        facts = forgotten["conversation_facts"] + forgotten["message_facts"]
        _add(erasure, {"reporting_facts": facts})
    _delete_stray_payloads(erasure, contact)
    _delete_packages(erasure, contact)
    progress(95)
    erasure = _shred_contact(erasure, contact)
    _shred_request(request)
    progress(100)
    return _summary(erasure)


# 1. Freeze ------------------------------------------------------------------------


def _freeze(request: DataSubjectRequest, contact: Contact) -> ErasureRecord:
    tenant_id = request.tenant_id
    with transaction.atomic():
        locked = (
            Contact.objects.for_tenant(tenant_id).select_for_update().filter(pk=contact.pk).first()
        )
        if locked is None:
            raise Conflict("The contact no longer exists.", code="no_contact")
        hold = (
            LegalHold.objects.for_tenant(tenant_id)
            .filter(contact=locked, released_at__isnull=True)
            .first()
        )
        if hold is not None:
            raise Conflict(
                f"A legal hold on this contact blocks erasure: {hold.reason}", code="legal_hold"
            )
        erasure, created = ErasureRecord.objects.for_tenant(tenant_id).get_or_create(
            tenant_id=tenant_id,
            request=request,
            defaults={"identifiers_hash": identifiers_hash(request, locked), "counts": {}},
        )
        if locked.erased_at is None or not locked.processing_restricted:
            locked.erased_at = locked.erased_at or timezone.now()
            locked.processing_restricted = True
            locked.save(update_fields=["erased_at", "processing_restricted"])
        if created:
            record(
                "privacy.request_erasure_started",
                tenant=tenant_id,
                actor=ACTOR,
                target=("dsr", request.pk),
                metadata={"contact_id": locked.pk},
            )
    return erasure


def _erasure_salt(tenant_id) -> bytes:
    """A key of its own for the record's hash, derived (HKDF) from the tenant's
    index root, which the master key ring wraps: the master key never leaves its
    key source (it may be a KMS), and the label keeps this key apart from the
    blind-index keys, so the hash cannot be matched against a contact's index."""
    root = keyring.tenant_key_material(keyring.current_tenant_key(tenant_id, keyring.Purpose.INDEX))
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"instaply erasure record v1"
    ).derive(root)


def _readable(value) -> str:
    return value if isinstance(value, str) and value and not is_erased(value) else ""


def normalised_identifiers(request: DataSubjectRequest, contact: Contact | None) -> list[str]:
    """``kind:value`` of every identifier known for the subject, normalised, sorted."""
    found = set()
    phones = [_readable(request.subject_phone)]
    emails = [_readable(request.subject_email)]
    if contact is not None:
        phones.append(_readable(contact.phone))
        emails.append(_readable(contact.email))
        found.add(f"contact:{contact.pk}")
    for phone in filter(None, phones):
        try:
            found.add(f"phone:{normalise_phone(phone)}")
        except Exception:  # noqa: BLE001 - a number that does not parse is kept as typed
            found.add(f"phone:{phone.strip()}")
    found.update(f"email:{normalise_email(email)}" for email in filter(None, emails))
    return sorted(found)


def identifiers_hash(request: DataSubjectRequest, contact: Contact | None) -> str:
    """HMAC-SHA-256 of the normalised identifiers under the erasure salt: the
    platform can later show that a given identifier was erased, and nobody can
    read the identifiers back from it."""
    text = "\n".join(normalised_identifiers(request, contact)).encode()
    return hmac.new(_erasure_salt(request.tenant_id), text, hashlib.sha256).hexdigest()


def identifiers_hash_matches(request: DataSubjectRequest, identifiers: list[str]) -> bool:
    """Whether ``identifiers`` (``kind:value`` strings) are the ones the record hashed."""
    text = "\n".join(sorted(identifiers)).encode()
    expected = hmac.new(_erasure_salt(request.tenant_id), text, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.erasure.identifiers_hash)


# Counting ---------------------------------------------------------------------------


def _add(erasure: ErasureRecord, deleted: dict | Counter) -> None:
    """Adds counts inside the caller's transaction, under the record's row lock,
    so the counts commit with the rows they count (a resumed run adds the rest)."""
    counts = Counter({k: v for k, v in deleted.items() if v})
    if not counts:
        return
    locked = (
        ErasureRecord.objects.for_tenant(erasure.tenant_id).select_for_update().get(pk=erasure.pk)
    )
    total = Counter(locked.counts)
    for label, number in counts.items():
        total[COUNT_NAMES.get(label, label)] += number
    locked.counts = dict(sorted(total.items()))
    locked.save(update_fields=["counts"])
    erasure.counts = locked.counts


def _delete(erasure: ErasureRecord, queryset) -> int:
    _, per_model = queryset.delete()
    _add(erasure, per_model)
    return sum(per_model.values())


# 2. Ways in -------------------------------------------------------------------------


def _cut_ways_in(erasure: ErasureRecord, contact: Contact) -> None:
    tenant_id = contact.tenant_id
    with transaction.atomic():
        # Index: the foreign keys' own (contact_id).
        _delete(erasure, ContactIdentifier.objects.for_tenant(tenant_id).filter(contact=contact))
        _delete(erasure, WidgetVisitor.objects.for_tenant(tenant_id).filter(contact=contact))
        # The search index's tokens of the contact and of its messages: from
        # now on no search finds the subject (search.services).
        forgotten = contacts_forget(tenant_id=tenant_id, contact_ids=[contact.pk])
        _add(erasure, {"search_documents": forgotten})


# 3. Queued sends --------------------------------------------------------------------


def _cancel_queued(erasure: ErasureRecord, contact: Contact) -> None:
    queued = Message.objects.for_tenant(contact.tenant_id).filter(
        contact=contact, direction=Message.Direction.OUTBOUND, status=Message.Status.QUEUED
    )
    while True:
        with transaction.atomic():
            # Waits for a send in flight (it holds the row) and then sees its outcome.
            ids = list(queued.select_for_update().values_list("pk", flat=True)[:BATCH])
            if not ids:
                return
            cancelled = (
                Message.objects.for_tenant(contact.tenant_id)
                .filter(pk__in=ids, status=Message.Status.QUEUED)
                .update(
                    status=Message.Status.FAILED,
                    failure_code="cancelled",
                    failure_reason="Cancelled: the contact's data was erased.",
                    status_changed_at=timezone.now(),
                )
            )
            _add(erasure, {"outbound_cancelled": cancelled})


# 4. Conversations -------------------------------------------------------------------


def _delete_conversations(erasure: ErasureRecord, contact: Contact, progress: Progress) -> None:
    tenant_id = contact.tenant_id
    # Index: conv_tenant_contact.
    conversation_ids = list(
        Conversation.objects.for_tenant(tenant_id)
        .filter(contact=contact)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for number, conversation_id in enumerate(conversation_ids, start=1):
        _delete_messages(erasure, tenant_id, conversation_id)
        # Index: note_tenant_thread.
        notes = Note.objects.for_tenant(tenant_id).filter(conversation_id=conversation_id)
        _in_batches(erasure, notes)
        # Index: feed_event_tenant_conversation.
        events = FeedEvent.objects.for_tenant(tenant_id).filter(conversation_id=conversation_id)
        _in_batches(erasure, events, key="seq")
        with transaction.atomic():
            _delete(erasure, Conversation.objects.for_tenant(tenant_id).filter(pk=conversation_id))
            facts_forget(tenant_id, conversation_ids=[conversation_id])
        progress(10 + 80 * number // len(conversation_ids))
    # Notes and messages are keyed by the contact too: anything left on another
    # conversation (there should be none) goes as well. Index: the contact_id FKs.
    _in_batches(erasure, Note.objects.for_tenant(tenant_id).filter(contact=contact))
    stray = Message.objects.for_tenant(tenant_id).filter(contact=contact)
    while ids := list(stray.values_list("pk", flat=True)[:BATCH]):
        started = time.monotonic()
        _delete_message_batch(erasure, tenant_id, ids)
        _give_way(started)


def _give_way(started: float) -> None:
    """Sleeps a share of the time since ``started`` (a batch, committed)."""
    time.sleep((time.monotonic() - started) * GIVE_WAY)


def _in_batches(erasure: ErasureRecord, queryset, key: str = "pk") -> None:
    while True:
        started = time.monotonic()
        ids = list(queryset.values_list(key, flat=True)[:BATCH])
        if not ids:
            return
        with transaction.atomic():
            _delete(
                erasure,
                queryset.model.objects.for_tenant(erasure.tenant_id).filter(**{f"{key}__in": ids}),
            )
        _give_way(started)


def _delete_messages(erasure: ErasureRecord, tenant_id, conversation_id) -> None:
    # Index: message_tenant_thread (tenant, conversation, -id).
    thread = Message.objects.for_tenant(tenant_id).filter(conversation_id=conversation_id)
    while True:
        started = time.monotonic()
        ids = list(thread.order_by("-id").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        _delete_message_batch(erasure, tenant_id, ids)
        _give_way(started)


def _delete_message_batch(erasure: ErasureRecord, tenant_id, ids: list) -> None:
    with transaction.atomic():
        # Stored webhooks that became these messages, and their status callbacks.
        # Index: sms_delivery_tenant_message.
        _delete(erasure, WebhookDelivery.objects.for_tenant(tenant_id).filter(message_id__in=ids))
        # Index: sms_attempt_tenant_message.
        _delete(erasure, SendAttempt.objects.for_tenant(tenant_id).filter(message_id__in=ids))
        # Their files: the rows now, the encrypted blobs once this commits; their
        # MMS fetch rows with them.
        _add(
            erasure,
            {"attachments.Attachment": attachments_delete_for_messages(tenant_id, ids)},
        )
        # Send attempts, attachments and MMS fetch rows are the only rows that point
        # at a message (test_erasure_scale.py checks it), and they are gone: the messages go in
        # one statement. Django's delete() would first fetch every row whole to look
        # for cascades, most of an erasure's CPU, taken from the inbox's (bench/dsr_bench.py).
        messages = Message.objects.for_tenant(tenant_id).filter(pk__in=ids)
        _add(erasure, {"conversations.Message": messages._raw_delete(messages.db)})
        _add(erasure, {"search_documents": documents_forget(tenant_id=tenant_id, ids=ids)})
        facts_forget(tenant_id, message_ids=ids)


# Webhook payloads not yet turned into messages, parts of a long text --------------

# A stored webhook keeps its payload (under the tenant's key) only until it is
# processed; those still waiting or failed are few, whatever the tenant's size.
_WAITING = (
    WebhookDelivery.State.PENDING,
    WebhookDelivery.State.FAILED,
    WebhookDelivery.State.UNROUTED,
)


def _delete_stray_payloads(erasure: ErasureRecord, contact: Contact) -> None:
    tenant_id = contact.tenant_id
    phone = _readable(contact.phone)
    if not phone:
        return
    try:
        phone = normalise_phone(phone)
    except Exception:  # noqa: BLE001 - a number we could not parse is not in any index
        return
    digits = phone.lstrip("+")
    # Index: sms_delivery_tenant_state.
    waiting = (
        WebhookDelivery.objects.for_tenant(tenant_id)
        .filter(state__in=_WAITING, payload__isnull=False)
        .order_by("pk")
    )
    last = None
    while True:
        page = waiting.filter(pk__gt=last) if last else waiting
        rows = list(page[:BATCH])
        if not rows:
            break
        last = rows[-1].pk
        about = [row.pk for row in rows if _payload_names(row, digits)]
        if about:
            with transaction.atomic():
                _delete(erasure, WebhookDelivery.objects.for_tenant(tenant_id).filter(pk__in=about))
    with transaction.atomic():
        # Index: sms_concat_tenant_sender.
        parts = ConcatenatedParts.objects.for_tenant(tenant_id).filter(
            sender_index=blind_index(tenant_id, "phone", phone)
        )
        _delete(erasure, parts)


def _payload_names(delivery: WebhookDelivery, digits: str) -> bool:
    try:
        payload = delivery.payload
    except DecryptionError:
        return False  # damaged: it names nobody we can read; the operators see it
    return digits in json.dumps(payload)


# Access packages built for this subject ------------------------------------------


def _delete_packages(erasure: ErasureRecord, contact: Contact) -> None:
    """An access package is a file of the subject's data in clear: it goes too."""
    package_dir = getattr(settings, "PRIVACY_PACKAGE_DIR", None)
    # Index: the request's contact_id foreign key, then the package's request_id.
    packages = AccessPackage.objects.for_tenant(contact.tenant_id).filter(
        request__contact=contact, deleted_at__isnull=True
    )
    for package in packages:
        if package_dir and package.storage_name:
            (Path(package_dir) / package.storage_name).unlink(missing_ok=True)
        with transaction.atomic():
            package.deleted_at = timezone.now()
            package.save(update_fields=["deleted_at"])
            _add(erasure, {"access_packages": 1})


# 5. Shredding and the receipt -------------------------------------------------------


def _shred_contact(erasure: ErasureRecord, contact: Contact) -> ErasureRecord:
    tenant_id = contact.tenant_id
    key_destroyed = data_key_destroy(tenant_id=tenant_id, subject_id=contact.pk, actor=ACTOR)
    now = timezone.now()
    with transaction.atomic():
        erasure = ErasureRecord.objects.for_tenant(tenant_id).select_for_update().get(pk=erasure.pk)
        if key_destroyed:
            counts = Counter(erasure.counts)
            counts["data_keys_destroyed"] += 1
            erasure.counts = dict(sorted(counts.items()))
        # Anything indexed about the contact since step 2 (there should be nothing).
        forgotten = contacts_forget(tenant_id=tenant_id, contact_ids=[contact.pk])
        if forgotten:
            erasure.counts = dict(Counter(erasure.counts) + Counter(search_documents=forgotten))
        # The rows left: identifiers and released holds cascade (counted).
        _, per_model = Contact.objects.for_tenant(tenant_id).filter(pk=contact.pk).delete()
        counts = Counter(erasure.counts)
        for label, number in per_model.items():
            counts[COUNT_NAMES.get(label, label)] += number
        erasure.counts = dict(sorted((k, v) for k, v in counts.items() if v))
        erasure.receipt = receipt(erasure.counts, now=now)
        erasure.erased_at = now
        erasure.save(update_fields=["counts", "receipt", "erased_at"])
        record(
            ERASED_DONE,
            tenant=tenant_id,
            actor=ACTOR,
            target=("dsr", erasure.request_id),
            metadata=dict(erasure.counts),
        )
    return erasure


def receipt(counts: dict, *, now) -> dict:
    """What the tenant is told was done, store by store (codes, numbers, dates)."""
    from backups.layout import DATABASE, KEYS
    from backups.retention import backup_deleted_by

    # The last backups holding the subject were taken at the erasure at the latest;
    # they are gone once past their retention and the next daily prune has run.
    backups_expire = backup_deleted_by(DATABASE, taken_at=now)
    keys_expire = backup_deleted_by(KEYS, taken_at=now)
    cache_seconds = settings.ENCRYPTION_KEY_CACHE_SECONDS
    return {
        "erased_at": now.isoformat(),
        "database": {
            "done": "deleted",
            "rows": {
                k: v
                for k, v in counts.items()
                if k not in ("data_keys_destroyed", "reporting_facts")
            },
            "kept": "erasure record: request id, times, salted hash of the identifiers, counts",
        },
        "keys": {
            "done": "destroyed",
            "data_keys_destroyed": counts.get("data_keys_destroyed", 0),
        },
        "encrypted_files": {
            "done": "deleted",
            # Files of the subject's messages (MMS, widget, replies): their
            # encrypted blobs deleted from the attachments storage with their rows.
            "attachment_files_deleted": counts.get("attachments", 0),
            "access_packages_deleted": counts.get("access_packages", 0),
        },
        "reporting": {
            # The facts of the subject's conversations and messages (opaque keys,
            # no content) left the reporting database with their rows.
            "done": "deleted",
            "facts_deleted": counts.get("reporting_facts", 0),
        },
        "caches": {
            "done": "evicted",
            "key_cache": "evicted in the erasing process; other processes drop it within "
            f"{cache_seconds} seconds",
        },
        "backups": {
            "done": "unreadable",
            "expire_by": backups_expire.date().isoformat(),
            # Key backups are kept apart and only KEY_BACKUP_RETENTION_DAYS (then
            # deleted by the next prune); a restore meanwhile destroys the key
            # again (privacy/erasure_ledger.py).
            "no_usable_key_after": keys_expire.date().isoformat(),
            "note": "Backups taken before the erasure hold the subject's ciphertext until "
            "they expire; it is unreadable already, the keys being destroyed. No backup "
            "holds a usable key for the subject after the no_usable_key_after date.",
        },
    }


def _summary(erasure: ErasureRecord) -> dict:
    return {"erased": dict(erasure.counts)}


# 6. The request's own key -----------------------------------------------------------


def _shred_request(request: DataSubjectRequest) -> None:
    """Once the record is written, the identifiers the tenant typed on the request
    (encrypted under the request's key) are no longer needed: shred them."""
    data_key_destroy(tenant_id=request.tenant_id, subject_id=request.pk, actor=ACTOR)
