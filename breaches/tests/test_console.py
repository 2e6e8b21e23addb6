"""The console's incident pages: platform security only; the register, the
two-step declaration, the detail page and closing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from breaches.models import BreachNotice, Incident
from breaches.services.incidents import incident_declare
from breaches.tests.helpers import NOW, console_client, facts, platform_person
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

PAGES = ["/platform/incidents/", "/platform/incidents/new/"]


@pytest.fixture
def security():
    return platform_person("security")


@pytest.fixture
def incident(security, tenant_a):
    return incident_declare(
        staff=security,
        now=timezone.now(),
        scope={"kind": "explicit", "tenants": [str(tenant_a.tenant.pk)]},
        **facts(aware_at=timezone.now() - dt.timedelta(hours=3)),
    )


def form(**overrides) -> dict:
    return {
        "title": "Stolen laptop",
        "aware_at": "2026-03-10T09:30",
        "natures": ["unauthorised_access"],
        "properties": ["confidentiality"],
        "data_categories": ["message_content"],
        "subject_categories": ["end_users"],
        "likely_consequences": "Messages could be read.",
        "measures": "Sessions revoked.",
        "dpo_contact": "DPO <dpo@instaply.localhost>",
        "risk_level": "medium",
        "scope_kind": "explicit",
        "tenants": "",
    } | overrides


@pytest.mark.parametrize("roles", [("support",), ("dpo",)])
def test_other_platform_roles_get_404(roles, incident):
    client = console_client(platform_person(*roles))
    for url in [*PAGES, f"/platform/incidents/{incident.pk}/"]:
        assert client.get(url).status_code == 404
    closing = client.post(f"/platform/incidents/{incident.pk}/close", {"resolution": "x"})
    assert closing.status_code == 404
    assert Incident.objects.get().state == "open"


def test_tenant_members_get_404_and_strangers_the_sign_in(tenant_a, incident, client):
    member = verified_client(tenant_a.members[Role.PRIVACY].user)
    for url in [*PAGES, f"/platform/incidents/{incident.pk}/"]:
        assert member.get(url).status_code == 404
        assert client.get(url)["Location"].startswith("/platform/login/")


def test_the_register_lists_facts_effects_and_notice_times(security, tenant_a, tenant_b, incident):
    notice = BreachNotice.objects.for_tenant(tenant_a.tenant).get()
    notice.sent_at = notice.deadline_at + dt.timedelta(hours=1, minutes=5)
    notice.late_seconds = 3900
    notice.late_reason = "Provider outage"
    notice.save(update_fields=["sent_at", "late_seconds", "late_reason"])
    page = console_client(security).get("/platform/incidents/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    for text in (
        incident.reference,
        "Support laptop stolen",
        "Unauthorised access",
        "Confidentiality",
        "Message content",
        "Sessions revoked, keys rotated.",
        tenant_a.tenant.name,
        "late by 1 h 05 min",
        "Provider outage",
    ):
        assert text in html, text
    assert tenant_b.tenant.name not in html


def test_declaring_shows_a_preview_then_records_on_confirmation(security, tenant_a, tenant_b):
    client = console_client(security)
    data = form(tenants=tenant_a.tenant.slug)
    with time_machine.travel(NOW, tick=False):
        preview = client.post("/platform/incidents/new/", data | {"preview": "1"})
        assert preview.status_code == 200
        assert not Incident.objects.exists()
        html = preview.content.decode()
        assert tenant_a.tenant.name in html
        assert tenant_b.tenant.name not in html
        assert "1 affected tenant" in html
        confirmed = client.post("/platform/incidents/new/", data | {"confirm": "1"})
    incident = Incident.objects.get()
    assert confirmed["Location"] == f"/platform/incidents/{incident.pk}/"
    assert list(
        BreachNotice.objects.dangerously_unscoped(reason="test").values_list("tenant_id", flat=True)
    ) == [tenant_a.tenant.pk]


def test_the_time_of_awareness_is_typed_in_the_persons_time_zone(security, tenant_a):
    security.user.time_zone = "Asia/Tokyo"  # UTC+9 all year
    security.user.save(update_fields=["time_zone"])
    client = console_client(security)
    data = form(tenants=tenant_a.tenant.slug, aware_at="2026-03-10T18:00", confirm="1")
    with time_machine.travel(NOW, tick=False):
        client.post("/platform/incidents/new/", data)
    assert Incident.objects.get().aware_at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def test_declaration_errors_are_shown_beside_their_fields(security, tenant_a):
    client = console_client(security)
    with time_machine.travel(NOW, tick=False):
        future = client.post(
            "/platform/incidents/new/",
            form(tenants=tenant_a.tenant.slug, aware_at="2026-03-11T09:00", preview="1"),
        )
        unknown = client.post("/platform/incidents/new/", form(tenants="no-such-shop", preview="1"))
        empty = client.post(
            "/platform/incidents/new/",
            form(
                scope_kind="audit",
                actions="nothing.happened",
                window_start="2026-03-09T09:00",
                window_end="2026-03-10T09:00",
                preview="1",
            ),
        )
    assert future.status_code == 400
    assert "The time of awareness cannot be in the future." in future.content.decode()
    assert "no-such-shop" in unknown.content.decode()
    assert "This scope matches no tenant." in empty.content.decode()
    assert not Incident.objects.exists()


def test_the_detail_page_shows_time_left_per_tenant_and_closes(security, tenant_a, incident):
    client = console_client(security)
    # Aware three hours and ten minutes ago: 20 h 50 min left of the 24.
    with time_machine.travel(incident.aware_at + dt.timedelta(hours=3, minutes=10), tick=False):
        html = client.get(f"/platform/incidents/{incident.pk}/").content.decode()
    assert tenant_a.tenant.name in html
    assert "20 h 50 min left" in html
    assert client.get(f"/platform/incidents/{Incident().pk}/").status_code == 404

    closed = client.post(f"/platform/incidents/{incident.pk}/close", {"resolution": "Done."})
    assert closed.status_code == 302
    incident.refresh_from_db()
    assert (incident.state, incident.resolution) == ("closed", "Done.")


def test_the_home_shows_security_its_open_incidents_and_nearest_deadline(security, incident):
    html = console_client(security).get("/platform/").content.decode()
    assert 'data-count="incidents-open">1<' in html
    assert 'data-count="notices-unsent"' in html
    assert "nearest-deadline" in html
    nav = console_client(platform_person("support")).get("/platform/").content.decode()
    assert "/platform/incidents/" not in nav


def test_the_register_reads_in_french(security, incident):
    security.user.language = "fr"
    security.user.save(update_fields=["language"])
    html = console_client(security).get("/platform/incidents/").content.decode()
    for text in ("Registre des violations", "Accès non autorisé", "Confidentialité", "Ouvert"):
        assert text in html, text
