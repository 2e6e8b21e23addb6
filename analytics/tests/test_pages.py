"""Settings → Product analytics and the console's analytics page."""

import datetime as dt

import pytest

from analytics.events import ALLOWLIST
from analytics.models import AnalyticsEvent
from analytics.sending import events_flush
from analytics.tracking import track
from audit.models import AuditEvent
from platform_staff.tests.console_helpers import console_client, make_platform_person
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

URL, CONSOLE = "/settings/product-analytics/", "/platform/analytics/"


def test_the_page_lists_the_whole_allowlist_and_its_values(tenant_a, settings):
    settings.MIXPANEL_TOKEN = ""
    page = verified_client(tenant_a.members[Role.ADMIN].user).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for event in ALLOWLIST.values():
        assert f'data-event="{event.name}"' in html
        for spec in event.properties.values():
            for value in spec.values:
                assert f"<code>{value}</code>" in html
    assert "never leave it" in html
    assert 'href="/settings/product-analytics/"' in html  # the settings nav


def test_opting_out_is_audited_and_drops_what_waits(tenant_a, tenant_b):
    track("widget_session_started", tenant_id=tenant_a.tenant.pk)
    track("widget_session_started", tenant_id=tenant_b.tenant.pk)
    client = verified_client(tenant_a.members[Role.PRIVACY].user)
    response = client.post(URL, {"analytics_opt_out": "on"})
    assert response.status_code == 302
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.analytics_opt_out
    assert AnalyticsEvent.objects.count() == 1  # tenant B's event still waits
    event = AuditEvent.objects.get(action="analytics.opt_out_changed")
    assert event.tenant_id == tenant_a.tenant.pk
    assert event.metadata == {"analytics_opt_out": True, "pending_dropped": 1}
    client.post(URL, {})
    tenant_a.tenant.refresh_from_db()
    assert not tenant_a.tenant.analytics_opt_out
    assert AuditEvent.objects.filter(action="analytics.opt_out_changed").count() == 2


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_cannot_choose(tenant_a, role):
    client = verified_client(tenant_a.members[role].user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"analytics_opt_out": "on"}).status_code == 403
    tenant_a.tenant.refresh_from_db()
    assert not tenant_a.tenant.analytics_opt_out


def test_the_dpo_sees_counts_and_the_payloads_as_recorded(tenant_a, settings):
    settings.MIXPANEL_TOKEN = ""
    track("conversation_opened", tenant_id=tenant_a.tenant.pk, channel="sms")
    events_flush(now=dt.datetime.now(dt.UTC))
    track("widget_session_started", tenant_id=tenant_a.tenant.pk)
    page = console_client(make_platform_person(("dpo",))).get(CONSOLE)
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    assert 'data-event="conversation_opened"><td><code>conversation_opened</code></td>' in html
    assert '<td data-state="recorded">1</td>' in html and '<td data-state="pending">1</td>' in html
    assert "&quot;channel&quot;: &quot;sms&quot;" in html
    assert 'data-state="recorded"' in html and "local sink" in html


def test_support_does_not_see_the_page(db):
    assert console_client(make_platform_person(("support",))).get(CONSOLE).status_code == 404


API = "/api/v1/tenant/analytics"


def test_the_api_reads_and_changes_the_choice(tenant_a):
    client = tenant_a.client(Role.ADMIN)
    read = client.get(API)
    assert read.status_code == 200
    assert read.json()["analytics_opt_out"] is False
    assert read.json()["allowlist"]["first_response"]["response_time"][0] == "under_5m"
    assert set(read.json()["allowlist"]) == set(ALLOWLIST)
    changed = client.patch(API, {"analytics_opt_out": True}, format="json")
    assert changed.status_code == 200 and changed.json()["analytics_opt_out"] is True
    assert AuditEvent.objects.filter(action="analytics.opt_out_changed").count() == 1
    bad = client.patch(API, {"analytics_opt_out": True, "tenant": "x"}, format="json")
    assert bad.status_code == 400
    assert tenant_a.client(Role.AGENT).patch(API, {"analytics_opt_out": False}).status_code == 403
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.analytics_opt_out
