"""Counts on the inbox's status tabs: the list's filters, the tenant's rows only,
one bounded query per status."""

import pytest

from conversations import selectors_counts
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
