"""Settings → Records of processing: who may read it, EN and FR, print, JSON, history."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.actions import RECORDS_EXPORTED
from audit.models import AuditEvent
from compliance.records.snapshot import records_refresh
from privacy.retention.services import retention_policy_set
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
URL = "/settings/records/"


@pytest.fixture
def versions(tenant_a):
    first = records_refresh(tenant_a.tenant.pk, now=timezone.now())
    retention_policy_set(membership=tenant_a.owner, inactive_days=365)
    second = records_refresh(tenant_a.tenant.pk, now=timezone.now())
    return first, second


def test_the_urls_are_named():
    assert reverse("web:records") == URL


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_may_not_read_it(tenant_a, role):
    client = verified_client(tenant_a.members[role].user)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.PRIVACY])
def test_owners_admins_and_privacy_members_read_the_current_version(tenant_a, versions, role):
    response = verified_client(tenant_a.members[role].user).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert 'data-version="2"' in html
    assert "Conversations with no activity for 365 days are deleted." in html
    assert "Records of processing" in html and 'href="/settings/records/"' in html  # its tab
    # The history: both versions, the second naming what changed.
    assert '<tr data-version="1">' in html and '<tr data-version="2">' in html
    assert "First version" in html


def test_the_page_in_french(tenant_a, versions):
    client = verified_client(tenant_a.members[Role.PRIVACY].user)
    html = client.get(URL + "?lang=fr").content.decode()
    assert "Registre des traitements" in html
    assert "Les conversations sans activité depuis 365 jours sont supprimées." in html
    assert "Mesures de sécurité" in html
    assert "Conversations with no activity" not in html


def test_the_printable_page_has_no_navigation_and_follows_the_language(tenant_a, versions):
    _, second = versions
    reader = tenant_a.members[Role.PRIVACY].user
    reader.time_zone = "Europe/Paris"
    reader.save(update_fields=["time_zone"])
    client = verified_client(reader)
    url = reverse("web:records-print", args=[second.pk])
    english = client.get(url + "?lang=en").content.decode()
    french = client.get(url + "?lang=fr").content.decode()
    assert '<html lang="en">' in english and "Security measures" in english
    assert '<html lang="fr">' in french and "Mesures de sécurité" in french
    assert "records-print.css" in french
    # The printed time says UTC and is UTC, whatever the reader's time zone.
    assert second.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") in french
    for html in (english, french):
        assert "subnav" not in html and "mainnav" not in html and "/settings/members/" not in html


def test_a_past_version_is_viewable_and_downloadable(tenant_a, versions):
    first, _ = versions
    client = verified_client(tenant_a.members[Role.PRIVACY].user)
    html = client.get(reverse("web:records-version", args=[first.pk])).content.decode()
    assert 'id="record" data-version="1"' in html
    assert "an earlier version" in html
    assert "730 days" in html  # the platform's default then
    response = client.get(reverse("web:records-json", args=[first.pk]))
    assert json.loads(response.content)["version"] == 1


def test_the_json_download_is_the_snapshot_and_is_audited(tenant_a, versions):
    _, second = versions
    member = tenant_a.members[Role.PRIVACY]
    response = verified_client(member.user).get(reverse("web:records-json", args=[second.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["version"] == 2 and document["changed"] == ["retention"]
    assert document["content_sha256"] == second.content_hash
    assert document["record"]["retention"]["inactive_days"] == 365
    [event] = AuditEvent.objects.for_tenant(tenant_a.tenant).filter(action=RECORDS_EXPORTED)
    assert event.tenant_id == tenant_a.tenant.pk
    assert event.actor_member_id == member.pk
    assert event.target_id == str(second.pk)
    assert event.metadata == {"version": 2, "format": "json"}


@pytest.mark.parametrize("name", ["web:records-version", "web:records-print", "web:records-json"])
def test_another_tenants_version_is_a_404(tenant_a, tenant_b, name):
    theirs = records_refresh(tenant_b.tenant.pk, now=timezone.now())
    client = verified_client(tenant_a.members[Role.PRIVACY].user)
    assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert not AuditEvent.objects.for_tenant(tenant_a.tenant).filter(action=RECORDS_EXPORTED)


def test_no_version_yet_says_so(tenant_a, monkeypatch):
    # Where tasks run on a worker the first version comes a moment later.
    monkeypatch.setattr("compliance.views_records_settings.queue_refresh", lambda tenant_id: None)
    html = verified_client(tenant_a.owner.user).get(URL).content.decode()
    assert 'id="record-pending"' in html
