"""Facts kept by the conversation services, and the report built from them:
counts, medians and 90th percentiles on known data, reopened conversations,
days and weeks in the reader's time zone, agents, erased contacts."""

import datetime as dt
import zoneinfo

import pytest

from conversations.models import Contact, Conversation
from reports.models import ConversationCycle
from reports.selectors import DAY, WEEK, ReportFilters, report_build
from reports.tests.conftest import T0
from tenants.models import Role

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MIN, HOUR = 60, 3600


def at(seconds):
    return T0 + dt.timedelta(seconds=seconds)


def week_of_t0(zone=PARIS, by=DAY, **filters):
    return ReportFilters(
        since=dt.date(2026, 11, 2), until=dt.date(2026, 11, 8), zone=zone, by=by, **filters
    )


@pytest.fixture
def known(tenant_a, clock):
    """Three conversations on Monday 2 November, one reopened on Tuesday."""
    admin = tenant_a.members[Role.ADMIN]
    c1 = clock.text(at(0))
    clock.reply(at(5 * MIN), c1)  # 5 min
    clock.close(at(1 * HOUR), c1)  # 1 h
    c2 = clock.text(at(1 * HOUR))
    clock.reply(at(1 * HOUR + 15 * MIN), c2)  # 15 min
    clock.assign(at(2 * HOUR), c2, admin)
    clock.close(at(4 * HOUR), c2)  # 3 h
    c3 = clock.text(at(2 * HOUR))
    clock.reply(at(3 * HOUR), c3, role=Role.ADMIN)  # 1 h, never closed
    # The next day c1's customer writes again: it reopens, a cycle of its own.
    reopened = clock.text(at(24 * HOUR), contact=c1.contact)
    assert reopened.pk == c1.pk
    clock.reply(at(24 * HOUR + 10 * MIN), reopened)  # 10 min after the reopening
    clock.reply(at(24 * HOUR + 20 * MIN), reopened)  # not a first response
    clock.close(at(24 * HOUR + 30 * MIN), reopened)  # 30 min
    return {"c1": c1, "c2": c2, "c3": c3, "admin": admin}


def test_events_keep_one_cycle_per_opening(tenant_a, known):
    cycles = list(
        ConversationCycle.objects.for_tenant(tenant_a.tenant)
        .filter(conversation_id=known["c1"].pk)
        .order_by("opened_at")
    )
    assert [(c.reopened, c.opened_at, c.first_response_at, c.closed_at) for c in cycles] == [
        (False, at(0), at(5 * MIN), at(HOUR)),
        (True, at(24 * HOUR), at(24 * HOUR + 10 * MIN), at(24 * HOUR + 30 * MIN)),
    ]
    agent = tenant_a.members[Role.AGENT]
    assert {c.responder_id for c in cycles} == {agent.pk}
    c2 = ConversationCycle.objects.for_tenant(tenant_a.tenant).get(conversation_id=known["c2"].pk)
    assert c2.agent_id == known["admin"].pk  # the assignee at the closing


def test_median_and_p90_of_the_known_week(tenant_a, known):
    report = report_build(tenant=tenant_a.tenant, filters=week_of_t0())
    total = report.total
    assert (total.opened, total.reopened, total.closed) == (4, 1, 3)
    # First responses 5, 15, 60 and 10 min; resolutions 1 h, 3 h and 30 min.
    assert total.first_response_median == 10 * MIN
    assert total.first_response_p90 == 60 * MIN
    assert total.resolution_median == 1 * HOUR
    assert total.resolution_p90 == 3 * HOUR


def test_days_of_the_series_and_the_agents(tenant_a, known):
    report = report_build(tenant=tenant_a.tenant, filters=week_of_t0())
    assert len(report.series) == 7
    monday, tuesday = report.series[dt.date(2026, 11, 2)], report.series[dt.date(2026, 11, 3)]
    assert (monday.opened, monday.closed, sorted(monday.first_responses)) == (
        3, 2, [5 * MIN, 15 * MIN, 60 * MIN],
    )  # fmt: skip
    assert (tuesday.opened, tuesday.reopened, tuesday.closed) == (1, 1, 1)
    assert report.series[dt.date(2026, 11, 8)].opened == 0
    agent, admin = tenant_a.members[Role.AGENT], known["admin"]
    assert report.agents[agent.pk].first_response_median == 10 * MIN
    assert report.agents[admin.pk].first_responses == [60 * MIN]
    assert report.agents[admin.pk].closed == 1  # c2, assigned to the admin when closed
    # The cycle follows its assignee: c2's opening counts for the admin it went to.
    assert (report.agents[None].opened, report.agents[admin.pk].opened) == (3, 1)
    assert report.shops[tenant_a.shop.pk].opened == 4
    assert report.channels["widget"].closed == 3


def test_a_day_boundary_is_the_readers_midnight(tenant_a, clock):
    # 23:30 UTC on Monday is 00:30 on Tuesday in Paris.
    late = dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.UTC)
    clock.text(late)
    in_paris = report_build(tenant=tenant_a.tenant, filters=week_of_t0(PARIS))
    in_utc = report_build(tenant=tenant_a.tenant, filters=week_of_t0(dt.UTC))
    assert in_paris.series[dt.date(2026, 11, 3)].opened == 1
    assert in_utc.series[dt.date(2026, 11, 2)].opened == 1
    # The period starts at the reader's midnight too: 23:30 UTC on Sunday the 1st is
    # 00:30 on Monday the 2nd in Paris.
    clock.text(dt.datetime(2026, 11, 1, 23, 30, tzinfo=dt.UTC))
    assert report_build(tenant=tenant_a.tenant, filters=week_of_t0(PARIS)).total.opened == 2
    assert report_build(tenant=tenant_a.tenant, filters=week_of_t0(dt.UTC)).total.opened == 1


def test_weeks_start_on_monday(tenant_a, known, clock):
    clock.text(dt.datetime(2026, 11, 9, 10, 0, tzinfo=dt.UTC))  # the next Monday
    filters = ReportFilters(
        since=dt.date(2026, 11, 4), until=dt.date(2026, 11, 12), zone=PARIS, by=WEEK
    )
    report = report_build(tenant=tenant_a.tenant, filters=filters)
    assert list(report.series) == [dt.date(2026, 11, 2), dt.date(2026, 11, 9)]
    assert report.series[dt.date(2026, 11, 9)].opened == 1
    assert report.series[dt.date(2026, 11, 2)].opened == 0  # the 2nd and 3rd are before "since"


def test_filters_by_shop_and_channel_and_another_tenant_counts_nothing(
    tenant_a, tenant_b, known, clock
):
    from reports.tests.conftest import Clock

    Clock(tenant_b).text(at(0))
    clock.text(at(HOUR), channel="sms", endpoint_id=tenant_a.shop.pk)
    report = report_build(tenant=tenant_a.tenant, filters=week_of_t0(channel="sms"))
    assert report.total.opened == 1
    report = report_build(tenant=tenant_a.tenant, filters=week_of_t0(shop_id=tenant_b.shop.pk))
    assert report.total.opened == 0
    assert report_build(tenant=tenant_b.tenant, filters=week_of_t0()).total.opened == 1


def test_an_erased_contact_leaves_the_figures_as_they_were(tenant_a, known):
    before = report_build(tenant=tenant_a.tenant, filters=week_of_t0())
    # Erasure deletes the contact, its conversations and messages (privacy/dsr/erasure.py).
    Contact.objects.for_tenant(tenant_a.tenant).filter(pk=known["c1"].contact_id).delete()
    assert not Conversation.objects.for_tenant(tenant_a.tenant).filter(pk=known["c1"].pk).exists()
    after = report_build(tenant=tenant_a.tenant, filters=week_of_t0())
    assert (after.total.opened, after.total.closed) == (before.total.opened, before.total.closed)
    assert after.total.resolution_p90 == before.total.resolution_p90
    # The cycles name nothing: no contact, no text, and no conversation to lead to.
    columns = {f.name for f in ConversationCycle._meta.concrete_fields}
    assert columns == {
        "id", "tenant", "conversation_id", "shop", "channel", "agent", "responder",
        "reopened", "opened_at", "first_response_at", "closed_at",
    }  # fmt: skip


def test_staff_reopening_starts_a_cycle_and_automatic_replies_are_no_response(tenant_a, clock):
    from conversations.services import inbox
    from conversations.services.messages import message_send_automatic

    conversation = clock.text(at(0))
    with clock.at(at(MIN)):
        message_send_automatic(conversation=conversation, body="We are closed", now=at(MIN))
    clock.close(at(HOUR), conversation)
    with clock.at(at(2 * HOUR)):
        inbox.conversation_set_status(
            actor=tenant_a.members[Role.AGENT], conversation=conversation, status="open"
        )
    cycles = ConversationCycle.objects.for_tenant(tenant_a.tenant).order_by("opened_at")
    assert [(c.first_response_at, c.closed_at, c.reopened) for c in cycles] == [
        (None, at(HOUR), False),
        (None, None, True),
    ]
    assert cycles[1].opened_at == at(2 * HOUR)
