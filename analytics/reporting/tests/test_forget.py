"""Facts leave the reporting database in the same run as their rows: erasure,
retention, a withdrawn consent; and an extract batch never writes them back."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from analytics.reporting import keys
from analytics.reporting.extract import (
    CONVERSATION_COLUMNS,
    _conversation_facts,
    _upsert,
    extract_rebuild,
)
from analytics.reporting.forget import facts_forget
from analytics.reporting.models import ConversationFact, ForgottenKey, MessageFact
from analytics.reporting.router import REPORTING_DB
from analytics.reporting.tests.support import (
    conversation_fact,
    conversation_with_reply,
    extract,
    message_facts,
)
from audit.models import AuditEvent
from conversations.models import Conversation
from privacy.dsr import work
from privacy.dsr.models import DataSubjectRequest, ErasureRecord
from privacy.dsr.tests.erasure_support import erasure_request, seed_subject
from privacy.retention import deletion
from privacy.retention.run import retention_apply
from privacy.retention.tests.support import START, History, set_policy

pytestmark = pytest.mark.django_db
FORGOTTEN = "reporting.facts_forgotten"


@pytest.fixture
def subject(tenant_a, django_capture_on_commit_callbacks, monkeypatch):
    from privacy.dsr import erasure

    monkeypatch.setattr(erasure, "GIVE_WAY", 0.0)
    return seed_subject(tenant_a, django_capture_on_commit_callbacks)


def test_an_erased_subjects_facts_are_gone_and_stay_gone(tenant_a, subject):
    extract()
    erased = [subject.sms_conversation, subject.widget_conversation]
    kept = list(Conversation.objects.filter(contact=subject.other))
    assert all(conversation_fact(c) for c in erased + kept)
    assert message_facts(subject.sms_conversation).count() >= 2
    request = erasure_request(tenant_a.tenant, subject.contact)
    DataSubjectRequest.objects.filter(pk=request.pk).update(
        state=DataSubjectRequest.State.IN_PROGRESS
    )

    assert work.perform(dsr_id=request.pk) == "completed"

    for conversation in erased:
        assert conversation_fact(conversation) is None
        assert not message_facts(conversation).exists()
    assert all(conversation_fact(c) for c in kept)
    assert all(message_facts(c).exists() for c in kept)
    event = AuditEvent.objects.get(action=FORGOTTEN)
    assert event.tenant_id == tenant_a.tenant.pk and event.metadata["cause"] == "erasure"
    assert event.metadata["conversation_facts"] == 2 and event.metadata["conversations"] == 2
    assert event.metadata["message_facts"] >= 2
    # The erasure receipt names the store and what left it.
    facts = event.metadata["conversation_facts"] + event.metadata["message_facts"]
    receipt = ErasureRecord.objects.get(request=request).receipt
    assert receipt["reporting"] == {"done": "deleted", "facts_deleted": facts}
    assert "reporting_facts" not in receipt["database"]["rows"]
    # Read again from the start, the source holds nothing of the subject any more.
    extract_rebuild()
    extract()
    assert all(conversation_fact(c) is None for c in erased)


def test_a_batch_read_before_an_erasure_cannot_write_its_facts_back(tenant_a):
    conversation = conversation_with_reply(tenant_a)
    # An extract batch reads the row...
    rows = list(Conversation.objects.filter(pk=conversation.pk).values(*CONVERSATION_COLUMNS))
    # ...the row is erased and its facts forgotten...
    Conversation.objects.filter(pk=conversation.pk).delete()
    facts_forget(tenant_a.tenant.pk, conversation_ids=[conversation.pk])
    # ...and the batch writes what it read.
    with transaction.atomic(using=REPORTING_DB):
        assert _upsert(ConversationFact, _conversation_facts(rows)) == 0
    assert conversation_fact(conversation) is None
    assert ForgottenKey.objects.filter(key=keys.opaque_key(keys.CONVERSATION, conversation.pk))
    # Outside a run, the forgetting is audited by itself.
    assert AuditEvent.objects.get(action=FORGOTTEN).metadata["cause"] == "direct"


def test_facts_are_only_forgotten_in_their_own_tenant(tenant_a, tenant_b):
    conversation = conversation_with_reply(tenant_a)
    extract()
    facts_forget(tenant_b.tenant.pk, conversation_ids=[conversation.pk])
    assert conversation_fact(conversation) is not None
    assert message_facts(conversation).count() == 1


def test_retention_removes_the_facts_of_what_it_deletes(tenant_a, monkeypatch):
    monkeypatch.setattr(deletion, "GIVE_WAY", 0.0)
    with time_machine.travel(START, tick=False):
        history = History(tenant_a)
        set_policy(history.tenant, 365)
        old = history.conversation(400, messages=3)
        young = history.conversation(5, messages=2)
    extract()
    assert conversation_fact(old) and message_facts(old).count() == 3

    with time_machine.travel(START, tick=False):
        retention_apply(tenant_a.tenant, batch_size=2)

    assert conversation_fact(old) is None and not message_facts(old).exists()
    assert conversation_fact(young) and message_facts(young).count() == 2
    event = AuditEvent.objects.get(action=FORGOTTEN)
    assert event.metadata["cause"] == "retention"
    assert event.metadata["conversation_facts"] == 1
    assert event.metadata["message_facts"] == 3
    assert MessageFact.objects.count() == 2 and ConversationFact.objects.count() == 1


def test_forgotten_keys_are_kept_a_week(tenant_a):
    conversation = conversation_with_reply(tenant_a)
    facts_forget(tenant_a.tenant.pk, conversation_ids=[conversation.pk])
    ForgottenKey.objects.update(forgotten_hour=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    extract()
    assert not ForgottenKey.objects.exists()
