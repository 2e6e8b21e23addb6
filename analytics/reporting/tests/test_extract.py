"""The extract: what it writes, and that it resumes, repeats and takes turns safely."""

import datetime as dt

import pytest

from analytics.reporting import extract as extract_module
from analytics.reporting import keys
from analytics.reporting.extract import extract_rebuild, extract_run
from analytics.reporting.models import ConversationFact, ExtractMark, MessageFact
from analytics.reporting.tests.support import (
    OPENED,
    conversation_fact,
    conversation_with_reply,
    extract,
    message_facts,
    settled_now,
)
from audit.models import AuditEvent
from conversations.models import Conversation, FeedEvent
from conversations.services.inbox import conversation_set_status

pytestmark = pytest.mark.django_db

HOUR = dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC)


def test_facts_carry_opaque_keys_whole_hours_and_response_times(tenant_a, tenant_b):
    replied = conversation_with_reply(tenant_a, reply_after=dt.timedelta(minutes=30, seconds=30))
    waiting = conversation_with_reply(tenant_a, channel="widget")
    other = conversation_with_reply(tenant_b, reply_after=dt.timedelta(hours=2))

    written = extract()

    assert written == {"conversations": 3, "messages": 5}
    fact = conversation_fact(replied)
    assert fact.key == keys.opaque_key(keys.CONVERSATION, replied.pk)
    assert str(replied.pk).replace("-", "") not in fact.key and len(fact.key) == 64
    assert fact.tenant_key == keys.opaque_key(keys.TENANT, tenant_a.tenant.pk)
    assert fact.shop_key == keys.opaque_key(keys.SHOP, tenant_a.shop.pk)
    assert fact.tenant_key != conversation_fact(other).tenant_key
    assert (fact.channel, fact.status, fact.opened_hour) == ("sms", "open", HOUR)
    assert fact.first_response_seconds == 1830 and fact.closed_hour is None
    assert conversation_fact(waiting).first_response_seconds is None
    assert conversation_fact(waiting).channel == "widget"
    assert conversation_fact(other).first_response_seconds == 7200
    rows = sorted(message_facts(replied).values_list("direction", "sender_kind", "hour", "channel"))
    assert rows == [
        ("inbound", "contact", HOUR, "sms"),
        ("outbound", "member", HOUR, "sms"),
    ]
    assert set(message_facts(replied).values_list("shop_key", flat=True)) == {fact.shop_key}
    event = AuditEvent.objects.get(action="reporting.extracted")
    assert event.metadata == {"conversations_facts": 3, "messages_facts": 5}


def test_rows_not_settled_yet_wait_for_the_next_run(tenant_a):
    conversation_with_reply(tenant_a)
    assert extract_run(now=dt.datetime.now(dt.UTC)) == {}
    assert not ConversationFact.objects.exists()
    assert extract() == {"conversations": 1, "messages": 1}


def test_a_closing_and_a_first_reply_after_extraction_reach_the_fact(
    tenant_a, django_capture_on_commit_callbacks
):
    conversation = conversation_with_reply(tenant_a)
    extract()
    assert conversation_fact(conversation).status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(
            actor=tenant_a.owner, conversation=conversation, status=Conversation.Status.CLOSED
        )
    closing = FeedEvent.objects.get(conversation_id=conversation.pk)

    assert extract()["changes"] == 1

    fact = conversation_fact(conversation)
    assert fact.status == "closed"
    assert fact.closed_hour == closing.created_at.replace(minute=0, second=0, microsecond=0)
    assert ExtractMark.objects.get(name="changes").position == closing.seq


def test_a_run_stopped_after_some_batches_is_finished_by_the_next(tenant_a):
    conversations = [conversation_with_reply(tenant_a) for _ in range(5)]
    now = settled_now()

    first = extract_run(now=now, batch=2, max_batches=1)

    assert 0 < first["conversations"] < 5
    mark = ExtractMark.objects.get(name="conversations").position
    # Exactly the conversations up to the mark's millisecond are there.
    covered = [c for c in conversations if c.pk.int >> 80 <= mark]
    assert ConversationFact.objects.count() == len(covered) == first["conversations"]
    extract_run(now=now, batch=2)
    assert ConversationFact.objects.count() == 5 and MessageFact.objects.count() == 5


def test_a_batch_that_fails_leaves_its_mark_and_facts_as_they_were(tenant_a, monkeypatch):
    for _ in range(4):
        conversation_with_reply(tenant_a)
    upsert = extract_module._upsert
    calls = []

    def fail_on_the_second_batch(model, facts):
        calls.append(model)
        if len(calls) == 2:
            raise ConnectionError("the reporting database went away")
        return upsert(model, facts)

    monkeypatch.setattr(extract_module, "_upsert", fail_on_the_second_batch)
    now = settled_now()
    with pytest.raises(ConnectionError):
        extract_run(now=now, batch=2)
    kept = ConversationFact.objects.count()
    mark = ExtractMark.objects.get(name="conversations").position
    assert 0 < kept < 4
    monkeypatch.setattr(extract_module, "_upsert", upsert)
    # The failed batch's facts and mark rolled back together: it is read again.
    assert extract_run(now=now, batch=2)["conversations"] == 4 - kept
    assert ExtractMark.objects.get(name="conversations").position > mark
    assert ConversationFact.objects.count() == 4


def test_running_twice_or_from_the_start_again_writes_the_same_facts(tenant_a):
    for _ in range(3):
        conversation_with_reply(tenant_a, reply_after=dt.timedelta(minutes=5))
    now = settled_now()
    extract_run(now=now, batch=2)
    before = (
        sorted(ConversationFact.objects.values_list()),
        sorted(MessageFact.objects.values_list()),
    )

    assert extract_run(now=now, batch=2) == {}
    extract_rebuild()
    assert extract_run(now=now, batch=2)["conversations"] == 3

    after = (
        sorted(ConversationFact.objects.values_list()),
        sorted(MessageFact.objects.values_list()),
    )
    assert after == before and len(after[1]) == 6


def test_the_opened_hour_is_the_hour_the_conversation_began(tenant_a):
    conversation = conversation_with_reply(tenant_a, opened=OPENED.replace(minute=59, second=59))
    extract()
    assert conversation_fact(conversation).opened_hour == HOUR
