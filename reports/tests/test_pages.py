"""The reports page and its CSV: owners and admins only, the reader's time zone,
the same filters for both, spreadsheet-safe cells, bad filters refused."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from reports.tests.conftest import T0
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

WEEK = {"since": "2026-11-02", "until": "2026-11-08"}


@pytest.fixture
def answered(tenant_a, clock):
    """Two conversations answered by the agent, one closed."""
    first = clock.text(T0)
    clock.reply(T0 + dt.timedelta(minutes=4), first)
    clock.close(T0 + dt.timedelta(hours=2), first)
    second = clock.text(T0 + dt.timedelta(days=1))
    clock.reply(T0 + dt.timedelta(days=1, minutes=30), second)
    return first, second


def client_of(world, role):
    return verified_client(world.members[role].user)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_read_the_report(tenant_a, answered, role):
    response = client_of(tenant_a, role).get("/reports/", WEEK)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert '<svg class="chart" id="chart-volume"' in html
    assert 'id="report-period"' in html and 'id="report-agent"' in html
    agent = tenant_a.members[Role.AGENT].user.get_full_name()
    assert agent in html  # members by name
    assert 'data-figure="first-response-median">4 min<' in html
    assert 'href="/reports/"' in html  # in the navigation
    assert "Hello" not in html  # nothing of the customers


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.PRIVACY])
def test_other_roles_are_refused_and_see_no_link(tenant_a, role):
    client = client_of(tenant_a, role)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export.csv").status_code == 403
    home = client.get("/account/").content.decode()
    assert 'href="/reports/"' not in home
    assert AuditEvent.objects.filter(action="access.denied", outcome="denied").exists()


def test_the_default_period_is_the_last_30_days_in_the_readers_time_zone(tenant_a):
    user = tenant_a.members[Role.OWNER].user
    user.time_zone = "Pacific/Kiritimati"  # UTC+14: already tomorrow for most
    user.save(update_fields=["time_zone"])
    moment = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
    import time_machine

    with time_machine.travel(moment, tick=False):
        html = verified_client(user).get("/reports/").content.decode()
    # 30 days, today included: 5 November to 4 December in Kiritimati.
    assert 'value="2026-11-05"' in html and 'value="2026-12-04"' in html
    assert "Pacific/Kiritimati" in html


def test_the_page_reads_a_fixed_number_of_queries(tenant_a, answered, clock):
    client = client_of(tenant_a, Role.OWNER)
    client.get("/reports/", WEEK)
    with CaptureQueriesContext(connection) as few:
        client.get("/reports/", WEEK)
    for day in range(2, 6):
        later = clock.text(T0 + dt.timedelta(days=day))
        clock.reply(T0 + dt.timedelta(days=day, minutes=1), later, role=Role.ADMIN)
        clock.close(T0 + dt.timedelta(days=day, hours=1), later)
    with CaptureQueriesContext(connection) as more:
        client.get("/reports/", WEEK)
    assert len(more) == len(few)


def test_bad_filters_are_a_400_and_another_tenants_shop_is_one(tenant_a, tenant_b):
    client = client_of(tenant_a, Role.OWNER)
    assert (
        client.get("/reports/", {"since": "2026-11-08", "until": "2026-11-01"}).status_code == 400
    )
    assert (
        client.get("/reports/", {"since": "2024-01-01", "until": "2026-01-01"}).status_code == 400
    )
    response = client.get("/reports/export.csv", {"shop": str(tenant_b.shop.pk)})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "invalid" and "shop" in body["error"]["fields"]
    assert client.get("/reports/export.csv", {"since": "yesterday"}).json()["error"]["fields"]


def test_the_csv_has_the_pages_figures_for_the_same_filters(tenant_a, answered):
    client = client_of(tenant_a, Role.ADMIN)
    response = client.get("/reports/export.csv", {**WEEK, "by": "week"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "reports-" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    periods = [row for row in rows if row["dimension"] == "period"]
    assert [row["key"] for row in periods] == ["2026-11-02"]  # one week, by its Monday
    week = periods[0]
    assert (week["opened"], week["closed"], week["answered"]) == ("2", "1", "2")
    assert week["first_response_median_seconds"] == "240"
    assert week["first_response_p90_seconds"] == "1800"
    assert week["resolution_median_seconds"] == "7200"
    agent = tenant_a.members[Role.AGENT]
    by_agent = {row["key"]: row for row in rows if row["dimension"] == "agent"}
    assert by_agent[str(agent.pk)]["label"] == agent.user.get_full_name()
    assert AuditEvent.objects.filter(action="reports.exported").count() == 1
    # The same filters: another channel has nothing.
    empty = client.get("/reports/export.csv", {**WEEK, "channel": "sms"}).content.decode()
    assert [
        r["opened"] for r in csv.DictReader(io.StringIO(empty)) if r["dimension"] == "period"
    ] == ["0"] * 7


def test_csv_cells_are_never_formulas(tenant_a, clock):
    agent = tenant_a.members[Role.AGENT]
    agent.user.full_name = '=HYPERLINK("http://evil.example","x")'
    agent.user.save(update_fields=["full_name"])
    tenant_a.shop.name = "+Shop"
    tenant_a.shop.save(update_fields=["name"])
    conversation = clock.text(T0)
    clock.reply(T0 + dt.timedelta(minutes=1), conversation)
    clock.assign(T0 + dt.timedelta(minutes=2), conversation, agent)
    text = client_of(tenant_a, Role.OWNER).get("/reports/export.csv", WEEK).content.decode()
    labels = [row["label"] for row in csv.DictReader(io.StringIO(text))]
    assert '\'=HYPERLINK("http://evil.example","x")' in labels
    assert "'+Shop" in labels
    assert not any(label.startswith(("=", "+", "-", "@")) for label in labels)


def test_the_page_in_french(tenant_a, answered):
    user = tenant_a.members[Role.OWNER].user
    user.language = "fr"
    user.save(update_fields=["language"])
    html = verified_client(user).get("/reports/", {**WEEK, "by": "week"}).content.decode()
    assert ">Rapports</a>" in html and "<h1>Rapports</h1>" in html
    assert "Première réponse, médiane" in html and "Semaine du " in html
    assert 'data-figure="resolution-median">2 h 00 min<' in html
    assert "Conversations ouvertes et fermées" in html  # the chart's title
