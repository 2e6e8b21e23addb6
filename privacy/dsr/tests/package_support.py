"""Subjects with a history, and access requests about them, for the package tests
and bench/dsr_bench.py. Messages are inserted in bulk (each still
encrypted under its contact's key by the field's pre_save)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from conversations.models import Contact, Conversation, Message, Note
from instaply.ids import uuid7
from privacy.dsr.models import DataSubjectRequest

BATCH = 2000


def subject(tenant, shop, *, name="Élodie Martin", phone="+33612345678", email=""):
    """A contact of ``tenant`` with one SMS conversation and no message yet."""
    contact = Contact(tenant=tenant, name=name, phone=phone, email=email)
    contact.save()
    conversation = Conversation.objects.create(
        tenant=tenant, shop=shop, contact=contact, channel="sms", endpoint_id=uuid7()
    )
    return contact, conversation


def add_messages(conversation, count: int, *, body=lambda i: f"message {i} of the subject"):
    """``count`` messages, inbound and outbound in turn, one minute apart."""
    start = timezone.now() - dt.timedelta(minutes=count + 1)
    for first in range(0, count, BATCH):
        rows = []
        for i in range(first, min(count, first + BATCH)):
            inbound = i % 2 == 0
            at = start + dt.timedelta(minutes=i)
            rows.append(
                Message(
                    tenant_id=conversation.tenant_id,
                    conversation_id=conversation.pk,
                    contact_id=conversation.contact_id,
                    direction="inbound" if inbound else "outbound",
                    sender_kind="contact" if inbound else "member",
                    status="received" if inbound else "delivered",
                    body=body(i),
                    created_at=at,
                    status_changed_at=at,
                )
            )
        with transaction.atomic():
            Message.objects.bulk_create(rows)


def add_note(conversation, body: str) -> Note:
    note = Note(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        contact_id=conversation.contact_id,
        body=body,
    )
    note.save()
    return note


def access_request(tenant, contact, *, request_type="access", filed_by=None):
    """An access (or portability) request in progress, about ``contact``."""
    return DataSubjectRequest.objects.create(
        tenant=tenant,
        request_type=request_type,
        state=DataSubjectRequest.State.IN_PROGRESS,
        subject_asked_on=dt.date(2026, 3, 1),
        identity_verified=True,
        contact=contact,
        filed_by=filed_by,
    )
