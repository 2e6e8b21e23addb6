"""The tenant's side (register, notice page, acknowledgement, banner) and the
console's actions on an incident's notices."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEvent
from breaches.models import BreachNotice, IncidentUpdate
from breaches.services.notices import notice_acknowledge, notice_send
from breaches.tests.conftest import AWARE
from instaply.errors import Forbidden
from platform_staff.tests.disclosure_helpers import console_client, platform_person
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(incident_a, security):
    incident, notice = incident_a
    return incident, notice_send(notice=notice, staff=security, now=timezone.now())


def member(world, role):
    return verified_client(world.members[role].user)


def page(client, url="/settings/"):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_banner_shows_to_readers_of_the_affected_tenant_only(sent, tenant_a, tenant_b):
    incident, notice = sent
    for role in (Role.OWNER, Role.ADMIN, Role.PRIVACY):
        html = page(member(tenant_a, role), "/account/")
        assert 'id="breach-banner"' in html, role
        assert f"/settings/breach-notices/{notice.pk}/" in html
        assert incident.reference in html
    # Agents and viewers do not read breach notices.
    for role in (Role.AGENT, Role.VIEWER):
        assert 'id="breach-banner"' not in page(member(tenant_a, role), "/account/")
    # Another tenant sees nothing, ever.
    for role in Role.values:
        html = page(member(tenant_b, role), "/account/")
        assert 'id="breach-banner"' not in html
        assert incident.reference not in html


def test_a_pending_notice_shows_nothing_yet(incident_a, tenant_a):
    incident, notice = incident_a
    owner = member(tenant_a, Role.OWNER)
    assert 'id="breach-banner"' not in page(owner, "/account/")
    assert incident.reference not in page(owner, "/settings/breach-notices/")
    assert owner.get(f"/settings/breach-notices/{notice.pk}/").status_code == 404


def test_the_banner_costs_one_query(sent, tenant_a, django_assert_num_queries):
    from web.context import _breach_banner

    with django_assert_num_queries(1):
        assert _breach_banner(tenant_a.members[Role.PRIVACY]) is not None


def test_the_register_and_the_notice_page(sent, tenant_a, tenant_b, security):
    incident, notice = sent
    IncidentUpdate.objects.create(incident=incident, number=1, facts="Notes were exported too.")
    privacy = member(tenant_a, Role.PRIVACY)
    register = page(privacy, "/settings/breach-notices/")
    assert incident.reference in register
    assert 'href="/settings/breach-notices/"' in register  # the tab
    html = page(privacy, f"/settings/breach-notices/{notice.pk}/")
    for words in (
        "Unauthorised access",
        "Confidentiality",
        "Message content",
        "End-users",
        'data-count="subjects">120<',
        'data-count="records">3400<',
        escape(incident.likely_consequences),
        escape(incident.measures),
        incident.dpo_contact,
        "2026-03-02 09:00 UTC",  # awareness
        "2026-03-03 09:00 UTC",  # deadline
        "Notes were exported too.",
        "Acknowledge",
    ):
        assert words in html, words
    read = AuditEvent.objects.for_tenant(tenant_a.tenant).get(action="breach.notice_read")
    assert read.target_id == str(notice.pk)
    # An admin reads it but does not acknowledge.
    assert "Acknowledge</button>" not in page(
        member(tenant_a, Role.ADMIN), f"/settings/breach-notices/{notice.pk}/"
    )
    # Agents have no register.
    assert member(tenant_a, Role.AGENT).get("/settings/breach-notices/").status_code == 403


def test_the_page_in_french(sent, tenant_a):
    incident, notice = sent
    client = member(tenant_a, Role.PRIVACY)
    html = client.get(
        f"/settings/breach-notices/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Accès non autorisé" in html
    assert "Confirmer la prise en compte" in html


def test_another_tenant_gets_404_and_an_empty_register(sent, tenant_b):
    incident, notice = sent
    owner_b = member(tenant_b, Role.OWNER)
    assert owner_b.get(f"/settings/breach-notices/{notice.pk}/").status_code == 404
    assert owner_b.post(f"/settings/breach-notices/{notice.pk}/acknowledge").status_code == 404
    register = page(owner_b, "/settings/breach-notices/")
    assert incident.reference not in register
    assert "No breach has concerned your workspace." in register
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_acknowledging_ends_the_banner_for_everyone(sent, tenant_a, clock):
    incident, notice = sent
    privacy = member(tenant_a, Role.PRIVACY)
    response = privacy.post(f"/settings/breach-notices/{notice.pk}/acknowledge")
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_at == timezone.now()
    assert notice.acknowledged_by == tenant_a.members[Role.PRIVACY]
    for role in (Role.OWNER, Role.ADMIN, Role.PRIVACY):
        assert 'id="breach-banner"' not in page(member(tenant_a, role), "/account/")
    # Twice is once: the first acknowledgement stands, one audit event.
    clock.shift(dt.timedelta(minutes=5))
    member(tenant_a, Role.OWNER).post(f"/settings/breach-notices/{notice.pk}/acknowledge")
    notice.refresh_from_db()
    assert notice.acknowledged_by == tenant_a.members[Role.PRIVACY]
    events = AuditEvent.objects.for_tenant(tenant_a.tenant).filter(
        action="breach.notice_acknowledged"
    )
    assert events.count() == 1


def test_admins_cannot_acknowledge(sent, tenant_a):
    incident, notice = sent
    assert (
        member(tenant_a, Role.ADMIN)
        .post(f"/settings/breach-notices/{notice.pk}/acknowledge")
        .status_code
        == 403
    )
    with pytest.raises(Forbidden):
        notice_acknowledge(
            membership=tenant_a.members[Role.ADMIN], notice=notice, now=timezone.now()
        )
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


# The console's actions.


def test_security_sends_from_the_console(
    incident_a, security, tenant_a, django_capture_on_commit_callbacks
):
    incident, notice = incident_a
    client = console_client(security)
    url = reverse("platform:incident-notices", args=[incident.pk])
    html = page(client, url)
    assert tenant_a.tenant.slug in html
    assert "23 h 0 min left" in html
    assert 'name="late_reason"' not in html  # not past the deadline
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("platform:incident-notice-send", args=[incident.pk, notice.pk]),
            {"next": url},
        )
    assert response.status_code == 302 and response["Location"] == url
    notice.refresh_from_db()
    assert notice.sent_by == security
    assert len(mail.outbox) == 2
    assert "Sent 2026-03-02 10:00 UTC" in page(client, url)


def test_past_the_deadline_the_console_asks_why(incident_a, security, clock):
    incident, notice = incident_a
    clock.move_to(AWARE + dt.timedelta(hours=25))
    client = console_client(security)
    url = reverse("platform:incident-notices", args=[incident.pk])
    html = page(client, url)
    assert 'name="late_reason"' in html
    assert "1 h 0 min past the deadline" in html
    send_all = reverse("platform:incident-notices-send", args=[incident.pk])
    refused = client.post(send_all, {"late_reason": ""})
    assert refused.status_code == 400
    assert "say why the notice is sent late" in refused.content.decode()
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert client.post(send_all, {"late_reason": "Scope took long"}).status_code == 302
    notice.refresh_from_db()
    assert notice.late_seconds == 3600
    assert "late by 1 h 0 min" in page(client, url)


def test_security_adds_an_update_from_the_console(sent, security):
    incident, notice = sent
    client = console_client(security)
    url = reverse("platform:incident-update-add", args=[incident.pk])
    assert client.post(url, {"facts": ""}).status_code == 400
    assert client.post(url, {"facts": "Logs show no download."}).status_code == 302
    assert IncidentUpdate.objects.get(incident=incident).number == 1
    assert "Logs show no download." in page(
        client, reverse("platform:incident-notices", args=[incident.pk])
    )


@pytest.mark.parametrize("roles", [("support",), ("dpo",)])
def test_other_platform_roles_get_404(incident_a, roles):
    incident, notice = incident_a
    client = console_client(platform_person(*roles))
    for url in (
        reverse("platform:incident-notices", args=[incident.pk]),
        reverse("platform:incident-notices-send", args=[incident.pk]),
        reverse("platform:incident-notice-send", args=[incident.pk, notice.pk]),
        reverse("platform:incident-update-add", args=[incident.pk]),
    ):
        assert client.post(url, {"facts": "x"}).status_code == 404
    assert not BreachNotice.objects.for_tenant(notice.tenant).filter(sent_at__isnull=False)


def test_the_console_home_shows_unsent_notices_and_alerts(incident_a, security, clock):
    from breaches.alerts import alert_unsent

    incident, notice = incident_a
    clock.move_to(AWARE + dt.timedelta(hours=12))
    alert_unsent(now=timezone.now())
    html = page(console_client(security), reverse("platform:home"))
    assert 'id="home-breach-notices"' in html
    assert incident.reference in html
    assert "alerted at 12 h" in html
    assert "12 h: 2026-03-02 21:00 UTC" in page(
        console_client(security), reverse("platform:incident-notices", args=[incident.pk])
    )


# The read-only API.


def test_the_api_lists_and_shows_the_workspace_notices_only(sent, tenant_a, tenant_b):
    incident, notice = sent
    IncidentUpdate.objects.create(incident=incident, number=1, facts="More facts.")
    listed = tenant_a.client(Role.PRIVACY).get("/api/v1/breach-notices")
    assert listed.status_code == 200
    (row,) = listed.json()["results"]
    assert row["id"] == str(notice.pk)
    assert row["incident"]["reference"] == incident.reference
    assert row["subjects_count"] == 120
    detail = tenant_a.client(Role.ADMIN).get(f"/api/v1/breach-notices/{notice.pk}")
    assert detail.status_code == 200
    assert detail.json()["updates"] == [
        {"number": 1, "facts": "More facts.", "added_at": detail.json()["updates"][0]["added_at"]}
    ]
    assert (
        AuditEvent.objects.for_tenant(tenant_a.tenant).filter(action="breach.notice_read").exists()
    )
    # Another workspace: an empty list and a 404; agents are refused.
    assert tenant_b.client().get("/api/v1/breach-notices").json()["results"] == []
    missing = tenant_b.client().get(f"/api/v1/breach-notices/{notice.pk}")
    assert missing.status_code == 404
    assert "error" in missing.json()
    assert tenant_a.client(Role.AGENT).get("/api/v1/breach-notices").status_code == 403
