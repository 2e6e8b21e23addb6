"""The sub-processor pages: the DPO's console and the workspace's settings tab."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from compliance.models import SubProcessor, SubProcessorObjection
from compliance.subprocessors.services import objection_raise
from compliance.tests.subprocessor_helpers import NOW, announce, dpo_person
from platform_staff.tests.console_helpers import console_client, make_platform_person
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
SETTINGS = "/settings/subprocessors/"
CONSOLE = "/platform/subprocessors/"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dpo(db):
    return dpo_person()


def test_urls_are_named():
    assert reverse("web:subprocessors") == SETTINGS
    assert reverse("platform:subprocessors") == CONSOLE


def test_the_console_is_the_dpos(dpo, clock):
    assert console_client(dpo).get(CONSOLE).status_code == 200
    support = make_platform_person(("support",))
    assert console_client(support).get(CONSOLE).status_code == 404
    assert (
        'href="/platform/subprocessors/"' in console_client(dpo).get("/platform/").content.decode()
    )


def test_the_console_shows_current_upcoming_and_retired(dpo, clock):
    announce(
        dpo, code="acme_sms", name="Acme SMS", replaces=SubProcessor.objects.get(code="vonage")
    )
    html = console_client(dpo).get(CONSOLE).content.decode()
    current = html[html.index('id="current"') : html.index('id="upcoming"')]
    upcoming = html[html.index('id="upcoming"') : html.index('id="retired"')]
    assert "Twilio Inc." in current and "Vonage" in current and "Acme SMS" not in current
    assert "Acme SMS" in upcoming and "2026-04-01" in upcoming


def test_the_dpo_announces_through_the_form(dpo, clock, tenant_a):
    client = console_client(dpo)
    form = {
        "kind": "added",
        "code": "acme",
        "name": "Acme Mail",
        "purpose_en": "Email relay.",
        "purpose_fr": "Relais d'e-mails.",
        "data_categories": ["staff_accounts"],
        "country": "ie",
        "safeguard": "eu",
        "integrations": "smtp.acme.io, acme",
        "effective_on": "2026-03-20",
        "note": "",
    }
    too_soon = client.post("/platform/subprocessors/announce/", form)
    assert too_soon.status_code == 400
    assert "at least 30 days" in too_soon.content.decode()
    assert not SubProcessor.objects.filter(code="acme").exists()
    done = client.post("/platform/subprocessors/announce/", {**form, "effective_on": "2026-04-02"})
    assert done.status_code == 302
    entry = SubProcessor.objects.get(code="acme")
    assert entry.integrations == ["smtp.acme.io", "acme"] and entry.country == "IE"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.OWNER, 200),
        (Role.ADMIN, 200),
        (Role.PRIVACY, 200),
        (Role.AGENT, 403),
        (Role.VIEWER, 403),
    ],
)
def test_the_settings_tab_is_for_compliance_readers(tenant_a, role, status):
    assert verified_client(tenant_a.members[role].user).get(SETTINGS).status_code == status


def test_the_settings_tab_lists_what_serves_the_workspace_and_the_registry(tenant_a, clock):
    html = verified_client(tenant_a.owner.user).get(SETTINGS).content.decode()
    in_use = html[html.index('id="in-use"') : html.index('id="registry"')]
    registry = html[html.index('id="registry"') :]
    # No phone number on Twilio or Vonage: the SMS providers do not serve it.
    assert "Scaleway" in in_use and "Twilio" not in in_use
    assert "Twilio" in registry and "Standard contractual clauses" in registry
    assert 'href="/settings/subprocessors/"' in html


def test_only_objectors_get_the_object_form(tenant_a, dpo, clock):
    change = announce(dpo, name="Acme SMS")
    privacy = verified_client(tenant_a.members[Role.PRIVACY].user).get(SETTINGS).content.decode()
    admin = verified_client(tenant_a.members[Role.ADMIN].user).get(SETTINGS).content.decode()
    action = f"/settings/subprocessors/changes/{change.pk}/object"
    assert action in privacy and "Acme SMS" in privacy and "2026-04-01" in privacy
    assert action not in admin and "Acme SMS" in admin
    refused = verified_client(tenant_a.members[Role.ADMIN].user).post(action, {"reason": "no"})
    assert refused.status_code == 403


def test_objecting_and_withdrawing_through_the_page(tenant_a, dpo, clock):
    change = announce(dpo)
    client = verified_client(tenant_a.members[Role.PRIVACY].user)
    empty = client.post(f"/settings/subprocessors/changes/{change.pk}/object", {"reason": ""})
    assert empty.status_code == 400
    sent = client.post(f"/settings/subprocessors/changes/{change.pk}/object", {"reason": "No."})
    assert sent.status_code == 302
    objection = SubProcessorObjection.objects.for_tenant(tenant_a.tenant).get()
    html = client.get(SETTINGS).content.decode()
    assert f"/settings/subprocessors/objections/{objection.pk}/withdraw" in html
    client.post(f"/settings/subprocessors/objections/{objection.pk}/withdraw")
    objection.refresh_from_db()
    assert objection.withdrawn_at is not None


def test_a_workspace_sees_only_its_own_objection(tenant_a, tenant_b, dpo, clock):
    change = announce(dpo)
    theirs = objection_raise(
        membership=tenant_b.owner, change=change, reason="Beta's secret reason", now=NOW
    )
    client = verified_client(tenant_a.owner.user)
    html = client.get(SETTINGS).content.decode()
    assert "Beta's secret reason" not in html and str(theirs.pk) not in html
    # Its form is still there: tenant B's objection does not count as A's.
    assert f"/settings/subprocessors/changes/{change.pk}/object" in html
    withdraw = client.post(f"/settings/subprocessors/objections/{theirs.pk}/withdraw")
    assert withdraw.status_code == 404
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None


def test_the_console_shows_each_objection_with_tenant_time_and_reason(
    tenant_a, tenant_b, dpo, clock
):
    change = announce(dpo)
    objection_raise(
        membership=tenant_a.owner,
        change=change,
        reason="Alpha objects",
        now=NOW + dt.timedelta(hours=1),
    )
    html = console_client(dpo).get(f"/platform/subprocessors/changes/{change.pk}/").content.decode()
    assert "Alpha objects" in html and tenant_a.tenant.name in html
    assert "2026-03-02 10:00" in html
    assert tenant_b.tenant.name not in html


def test_an_unknown_change_is_a_404(dpo, clock, tenant_a):
    missing = "01900000-0000-7000-8000-000000000000"
    assert console_client(dpo).get(f"/platform/subprocessors/changes/{missing}/").status_code == 404
    client = verified_client(tenant_a.owner.user)
    url = f"/settings/subprocessors/changes/{missing}/object"
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_the_pages_speak_french(tenant_a, dpo, clock):
    user = tenant_a.members[Role.PRIVACY].user
    user.language = "fr"
    user.save(update_fields=["language"])
    announce(dpo)
    html = verified_client(user).get(SETTINGS).content.decode()
    assert "Sous-traitants" in html and "Changements à venir" in html
    assert "Envoie des SMS." in html  # the entry's French purpose
    assert "Clauses contractuelles types" in html
