"""An erasure and a retention run leave no token of what they delete, and touch
no other contact's tokens."""

import datetime as dt

import pytest
import time_machine

from conversations.models import Message
from privacy.dsr.erasure import erase_subject
from privacy.dsr.tests.erasure_support import erasure_request, no_progress
from privacy.retention import deletion
from privacy.retention.run import retention_apply
from privacy.retention.tests.support import START, set_policy
from search.models import SearchDocument, SearchToken
from search.selectors import contact_search, message_search
from search.tests.support import texted

pytestmark = pytest.mark.django_db


def _documents(world, contact_id) -> set:
    return set(
        SearchDocument.objects.for_tenant(world.tenant)
        .filter(contact_id=contact_id)
        .values_list("pk", flat=True)
    )


def _tokens_of(world, ids) -> int:
    return SearchToken.objects.for_tenant(world.tenant).filter(document_id__in=ids).count()


def test_an_erasure_removes_every_token_of_the_subject_and_no_other(tenant_a):
    subject, conversation, first = texted(
        tenant_a, "my allergy is peanuts", phone="+33612340001", name="Gaëlle Subject"
    )
    texted(tenant_a, "peanuts again please", phone="+33612340001")
    other, _, kept = texted(
        tenant_a, "peanuts for the party", phone="+33612340002", name="Other Person"
    )
    ids = _documents(tenant_a, subject.pk)
    messages = set(Message.objects.filter(contact=subject).values_list("pk", flat=True))
    assert ids == messages | {subject.pk}
    assert _tokens_of(tenant_a, ids) > 0

    request = erasure_request(tenant_a.tenant, subject, phone="+33612340001")
    counts = erase_subject(request, subject, no_progress)

    assert _documents(tenant_a, subject.pk) == set()
    assert _tokens_of(tenant_a, ids) == 0
    assert counts["erased"]["search_documents"] == len(ids)
    owner = tenant_a.owner
    assert [m.pk for m in message_search(member=owner, query="peanuts").results] == [kept.pk]
    assert contact_search(member=owner, query="gaelle").results == []
    assert contact_search(member=owner, query="+33612340001").results == []
    assert [c.pk for c in contact_search(member=owner, query="other").results] == [other.pk]


def test_a_retention_run_removes_the_tokens_of_what_it_deletes(tenant_a, monkeypatch):
    monkeypatch.setattr(deletion, "GIVE_WAY", 0.0)
    set_policy(tenant_a.tenant, 365)
    long_ago, lately = START - dt.timedelta(days=400), START - dt.timedelta(days=10)
    with time_machine.travel(long_ago, tick=False):
        old, _, old_message = texted(
            tenant_a, "pumpkin pie order", phone="+33612340003", name="Old Timer", now=long_ago
        )
    with time_machine.travel(lately, tick=False):
        new, _, new_message = texted(
            tenant_a, "pumpkin soup order", phone="+33612340004", name="New Comer", now=lately
        )
    gone = _documents(tenant_a, old.pk)
    assert gone == {old.pk, old_message.pk}

    with time_machine.travel(START, tick=False):
        counts = retention_apply(tenant_a.tenant)
        assert counts["messages"] == 1 and counts["contacts"] == 1
        owner = tenant_a.owner
        found = message_search(member=owner, query="pumpkin order").results
        assert [m.pk for m in found] == [new_message.pk]
        assert contact_search(member=owner, query="timer").results == []
        assert [c.pk for c in contact_search(member=owner, query="comer").results] == [new.pk]
    assert _documents(tenant_a, old.pk) == set()
    assert _tokens_of(tenant_a, gone) == 0
    assert _documents(tenant_a, new.pk) == {new.pk, new_message.pk}
