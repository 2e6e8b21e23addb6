"""Erasure of one subject: the rules one by one (the full scan is tests/test_erasure_scan.py)."""

import datetime as dt

import pytest
from django.db import connection

from attachments.models import MediaFetch
from audit.models import AuditEvent
from channels_sms.models import ConcatenatedParts, SendAttempt, WebhookDelivery
from channels_sms.services.outbound import message_send
from conversations.models import (
    Contact,
    ContactIdentifier,
    Conversation,
    FeedEvent,
    Message,
    WidgetVisitor,
)
from conversations.services.messages import message_reply
from instaply.errors import Conflict
from privacy.crypto import is_erased
from privacy.dsr import erasure
from privacy.dsr.erasure import erase_subject, identifiers_hash_matches
from privacy.dsr.holds import legal_hold_release, legal_hold_set
from privacy.dsr.models import DataSubjectRequest, ErasureRecord
from privacy.dsr.tests.erasure_support import erasure_request, no_progress, seed_subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(tenant_a, django_capture_on_commit_callbacks):
    return seed_subject(tenant_a, django_capture_on_commit_callbacks)


def test_erasure_removes_the_subject_and_keeps_only_the_record(tenant_a, subject):
    tenant = tenant_a.tenant
    request = erasure_request(tenant, subject.contact, phone=subject.markers["phone"])
    seen = []
    counts = erase_subject(request, subject.contact, seen.append)["erased"]
    assert seen[-1] == 100 and seen == sorted(seen)
    assert not Contact.objects.filter(pk=subject.contact.pk).exists()
    assert not Conversation.objects.filter(contact_id=subject.contact.pk).exists()
    assert not Message.objects.filter(contact_id=subject.contact.pk).exists()
    assert not ContactIdentifier.objects.filter(contact_id=subject.contact.pk).exists()
    assert not WidgetVisitor.objects.filter(contact_id=subject.contact.pk).exists()
    gone = [subject.sms_conversation.pk, subject.widget_conversation.pk]
    assert not FeedEvent.objects.filter(conversation_id__in=gone).exists()
    # Deliveries of the subject's texts (processed, pending) and callbacks are gone;
    # the other contact's stays, and so does the processed part of a long text,
    # which kept nothing but the provider's id.
    left = WebhookDelivery.objects.values_list("provider_message_id", "payload")
    assert sorted(left) == [("0A00000000SUBJA", None), ("SM" + "d" * 32, None)]
    assert not ConcatenatedParts.objects.exists()
    assert counts["contacts"] == 1 and counts["conversations"] == 2
    assert counts["notes"] == 1 and counts["outbound_cancelled"] == 1
    assert counts["conversation_labels"] == 1 and counts["widget_visitors"] == 1
    assert counts["data_keys_destroyed"] == 1 and counts["sms_parts"] == 1
    assert counts["webhook_deliveries"] == 3
    assert Contact.objects.filter(pk=subject.other.pk).exists()

    record = ErasureRecord.objects.get(request=request)
    assert record.receipt["database"]["rows"]["messages"] == counts["messages"]
    # Database backups are kept 35 days, key backups 7, each deleted by the daily
    # prune after that: one day more in the worst case.
    expires = dt.date.fromisoformat(record.receipt["backups"]["expire_by"])
    assert expires == (record.erased_at + dt.timedelta(days=36)).date()
    keys_gone = dt.date.fromisoformat(record.receipt["backups"]["no_usable_key_after"])
    assert keys_gone == (record.erased_at + dt.timedelta(days=8)).date()
    assert record.receipt["keys"]["data_keys_destroyed"] == 1
    done = AuditEvent.objects.get(action="privacy.request_erasure_done")
    assert done.target_id == str(request.pk) and done.metadata == counts


def test_the_fetch_row_of_the_subjects_mms_goes_with_its_message(tenant_a, subject):
    mms = Message.objects.get(contact_id=subject.contact.pk, provider_message_id="SM" + "a" * 32)
    assert MediaFetch.objects.get().message_id == mms.pk
    request = erasure_request(tenant_a.tenant, subject.contact, phone=subject.markers["phone"])
    erase_subject(request, subject.contact, no_progress)
    assert not MediaFetch.objects.exists()


def test_the_record_hash_proves_which_identifiers_were_erased(tenant_a, subject):
    request = erasure_request(tenant_a.tenant, subject.contact, phone=subject.markers["phone"])
    contact_id = subject.contact.pk
    erase_subject(request, subject.contact, no_progress)
    # The request's own key is gone too: what the tenant typed reads as erased.
    request = DataSubjectRequest.objects.get(pk=request.pk)
    assert is_erased(request.subject_phone)
    identifiers = [
        f"contact:{contact_id}",
        f"email:{subject.markers['email']}",
        f"phone:{subject.markers['phone']}",
    ]
    assert identifiers_hash_matches(request, identifiers)
    assert not identifiers_hash_matches(request, identifiers[:2])
    assert subject.markers["phone"] not in ErasureRecord.objects.get().identifiers_hash


def test_erasure_run_twice_does_nothing_more(tenant_a, subject):
    request = erasure_request(tenant_a.tenant, subject.contact)
    first = erase_subject(request, subject.contact, no_progress)
    # A retried task: the contact is gone (dsr-core passes None) or still in hand.
    assert erase_subject(request, None, no_progress) == first
    assert erase_subject(request, subject.contact, no_progress) == first
    assert AuditEvent.objects.filter(action="privacy.request_erasure_done").count() == 1


def test_an_interrupted_erasure_resumes_and_counts_everything_once(tenant_a, subject, monkeypatch):
    request = erasure_request(tenant_a.tenant, subject.contact)
    messages = Message.objects.filter(contact=subject.contact).count()
    # The task dies after the first conversation (a worker killed mid-way).
    real = erasure._delete_messages
    calls = []

    def dies_on_second(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(*args)

    monkeypatch.setattr(erasure, "_delete_messages", dies_on_second)
    with pytest.raises(RuntimeError):
        erase_subject(request, subject.contact, no_progress)
    assert Contact.objects.filter(pk=subject.contact.pk).exists()
    monkeypatch.setattr(erasure, "_delete_messages", real)
    counts = erase_subject(request, subject.contact, no_progress)["erased"]
    assert counts["conversations"] == 2 and counts["contacts"] == 1
    assert counts["messages"] == messages
    assert ErasureRecord.objects.count() == 1


def test_a_legal_hold_blocks_erasure_with_its_reason(tenant_a, subject):
    hold = legal_hold_set(
        membership=tenant_a.owner, contact=subject.contact, reason="Litigation 2026-114"
    )
    request = erasure_request(tenant_a.tenant, subject.contact)
    with pytest.raises(Conflict) as refused:
        erase_subject(request, subject.contact, no_progress)
    assert refused.value.code == "legal_hold"
    assert "Litigation 2026-114" in refused.value.message
    assert Message.objects.filter(contact=subject.contact).count() > 0
    assert not ErasureRecord.objects.exists()
    legal_hold_release(membership=tenant_a.owner, hold=hold)
    erase_subject(request, subject.contact, no_progress)
    assert not Contact.objects.filter(pk=subject.contact.pk).exists()


def test_a_cancelled_send_is_never_sent(tenant_a, subject, monkeypatch):
    """Cancelling marks the queued reply failed before anything is deleted; the
    send task sends only a queued message, so a send that comes late does nothing."""
    request = erasure_request(tenant_a.tenant, subject.contact)
    monkeypatch.setattr(erasure, "_delete_conversations", lambda *a: None)
    monkeypatch.setattr(erasure, "_shred_contact", lambda record, contact: record)
    monkeypatch.setattr(erasure, "_shred_request", lambda request: None)
    erase_subject(request, subject.contact, no_progress)
    queued = Message.objects.get(pk=subject.queued.pk)
    assert (queued.status, queued.failure_code) == ("failed", "cancelled")
    assert message_send(message_id=queued.pk).sent is False
    assert not SendAttempt.objects.filter(message=queued).exists()


def test_no_reply_can_be_queued_once_erasure_started(tenant_a, subject, monkeypatch):
    request = erasure_request(tenant_a.tenant, subject.contact)
    monkeypatch.setattr(erasure, "_delete_conversations", lambda *a: None)
    monkeypatch.setattr(erasure, "_shred_contact", lambda record, contact: record)
    monkeypatch.setattr(erasure, "_shred_request", lambda request: None)
    erase_subject(request, subject.contact, no_progress)
    with pytest.raises(Conflict):
        message_reply(actor=tenant_a.owner, conversation=subject.sms_conversation, body="Hi")
    with pytest.raises(Conflict):
        legal_hold_set(membership=tenant_a.owner, contact=subject.contact, reason="Too late")


def test_every_erasure_lookup_is_served_by_an_index():
    """The erasure reads and deletes by contact or conversation: the cost follows
    the subject's data, whatever the tenant's size (bench/dsr_bench.py measures it)."""
    wanted = {
        "conversations_conversation": ["tenant_id", "contact_id"],
        "conversations_message": ["tenant_id", "conversation_id"],
        "conversations_note": ["tenant_id", "conversation_id"],
        "conversations_feedevent": ["tenant_id", "conversation_id"],
        "conversations_contactidentifier": ["contact_id"],
        "conversations_widgetvisitor": ["contact_id"],
        "channels_sms_webhookdelivery": ["tenant_id", "message_id"],
        "channels_sms_sendattempt": ["tenant_id", "message_id"],
        "channels_sms_concatenatedparts": ["tenant_id", "sender_index"],
        "dsr_legalhold": ["contact_id"],
    }
    with connection.cursor() as cursor:
        for table, columns in wanted.items():
            indexes = connection.introspection.get_constraints(cursor, table).values()
            leading = [c["columns"][: len(columns)] for c in indexes if c["index"]]
            assert columns in leading, f"{table} has no index on {columns}"
