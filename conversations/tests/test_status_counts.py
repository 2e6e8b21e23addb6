"""Counts on the inbox's status tabs: the list's filters, the tenant's rows only,
one bounded query per status."""

import pytest

from audit.models import AuditEvent
from conversations import selectors_counts
from conversations.models import ConversationLabel, Label
from conversations.selectors_counts import conversation_status_counts
from conversations.tests.factories import ConversationFactory
from tenants.models import Role

pytestmark = pytest.mark.django_db


def test_counts_follow_the_filters_and_stay_in_the_tenant(
    tenant_a, tenant_b, django_assert_num_queries
):
    agent = tenant_a.members[Role.AGENT]
    make = lambda world, **kw: ConversationFactory(tenant=world.tenant, shop=world.shop, **kw)  # noqa: E731
    for status in ("open", "open", "pending", "snoozed", "closed"):
        make(tenant_a, status=status)
    make(tenant_a, status="open", assignee=agent, channel="sms")
    make(tenant_b, status="open")
    with django_assert_num_queries(4):
        counts = conversation_status_counts(tenant=tenant_a.tenant, member=agent)
    assert counts == {
        "open": 3, "pending": 1, "snoozed": 1, "closed": 1, "more": set()
    }  # fmt: skip
    mine = conversation_status_counts(tenant=tenant_a.tenant, member=agent, assignee="me")
    assert (mine["open"], mine["pending"]) == (1, 0)
    sms = conversation_status_counts(tenant=tenant_a.tenant, member=agent, channel="sms")
    assert sms["open"] == 1
    nobody = conversation_status_counts(tenant=tenant_a.tenant, member=agent, assignee="unassigned")
    assert nobody["open"] == 2


def test_counts_stop_at_a_cap_whatever_the_volume(tenant_a, monkeypatch):
    from web.templatetags.working_tags import status_count

    monkeypatch.setattr(selectors_counts, "CAP", 2)
    for status in ("closed", "closed", "closed", "open", "open"):
        ConversationFactory(tenant=tenant_a.tenant, shop=tenant_a.shop, status=status)
    counts = conversation_status_counts(tenant=tenant_a.tenant, member=tenant_a.owner)
    assert (counts["closed"], counts["open"], counts["more"]) == (2, 2, {"closed"})
    assert status_count(counts, "closed") == "2+" and status_count(counts, "open") == "2"


# GET /api/v1/conversations/status-counts: the tabs' figures for the live refresh.

URL = "/api/v1/conversations/status-counts"


def _shown(answer) -> dict:
    return {status: figures["shown"] for status, figures in answer.json().items()}


def test_the_api_answers_the_counts_of_the_caller_s_tenant_under_the_filters(tenant_a, tenant_b):
    agent, admin = tenant_a.members[Role.AGENT], tenant_a.members[Role.ADMIN]
    make = lambda world, **kw: ConversationFactory(tenant=world.tenant, shop=world.shop, **kw)  # noqa: E731
    for status in ("open", "open", "pending", "closed"):
        make(tenant_a, status=status)
    make(tenant_a, status="open", assignee=agent, channel="sms")
    make(tenant_a, status="snoozed", assignee=admin)
    for _ in range(3):
        make(tenant_b, status="pending")
    label = Label.objects.create(tenant=tenant_a.tenant, name="Returns")
    ConversationLabel.objects.create(
        tenant=tenant_a.tenant, conversation=make(tenant_a, status="pending"), label=label
    )
    client = tenant_a.client(Role.AGENT)

    answer = client.get(URL)
    assert answer.status_code == 200, answer.content
    assert answer["Cache-Control"] == "private, no-store"
    assert answer.json()["open"] == {"count": 3, "more": False, "shown": "3"}
    assert _shown(answer) == {"open": "3", "pending": "2", "snoozed": "1", "closed": "1"}
    # "Mine" is the caller's: the agent's and the admin's differ.
    assert _shown(client.get(URL, {"assignee": "me"}))["open"] == "1"
    mine = _shown(tenant_a.client(Role.ADMIN).get(URL, {"assignee": "me"}))
    assert (mine["open"], mine["snoozed"]) == ("0", "1")
    assert _shown(client.get(URL, {"assignee": "unassigned"}))["open"] == "2"
    assert _shown(client.get(URL, {"channel": "sms"}))["open"] == "1"
    assert _shown(client.get(URL, {"label": str(label.pk)}))["pending"] == "1"
    # Viewers read conversations: they see the same figures.
    assert _shown(tenant_a.client(Role.VIEWER).get(URL)) == _shown(answer)
    # The other tenant sees its own rows only, and this tenant's label counts nothing there.
    theirs = tenant_b.client(Role.AGENT)
    assert _shown(theirs.get(URL)) == {"open": "0", "pending": "3", "snoozed": "0", "closed": "0"}
    assert _shown(theirs.get(URL, {"label": str(label.pk)}))["pending"] == "0"


def test_the_api_says_past_the_cap_as_the_tab_does(tenant_a, monkeypatch):
    monkeypatch.setattr(selectors_counts, "CAP", 2)
    for _ in range(3):
        ConversationFactory(tenant=tenant_a.tenant, shop=tenant_a.shop, status="closed")
    closed = tenant_a.client(Role.AGENT).get(URL).json()["closed"]
    assert closed == {"count": 2, "more": True, "shown": "2+"}


def test_the_api_refuses_without_the_read_capability_and_bad_filters(tenant_a, tenant_b, anonymous):
    refused = tenant_a.client(Role.PRIVACY).get(URL)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"]  # a JSON error, not a page
    assert AuditEvent.objects.filter(action="access.denied", outcome="denied").exists()
    assert anonymous.get(URL).status_code == 401
    client = tenant_a.client(Role.AGENT)
    for bad in ({"channel": "fax"}, {"shop": "nope"}, {"assignee": "all"}):
        answer = client.get(URL, bad)
        assert answer.status_code == 400, bad
        assert answer.json()["error"]["fields"], bad


def test_the_api_costs_one_bounded_query_per_status(tenant_a, django_assert_num_queries):
    client = tenant_a.client(Role.AGENT)
    client.get(URL)  # the token's first use writes its last-used time
    # The token (with its membership and tenant), then one capped count per status:
    # nothing read per conversation, nothing decrypted.
    with django_assert_num_queries(1 + 4):
        assert client.get(URL).status_code == 200
