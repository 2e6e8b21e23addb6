"""Settings → Privacy policy (owners and privacy officers): the versions, the
one in force, the choice to send the service message, and what became of
each version's message; the public pages of the policy, in the reader's language."""

import datetime as dt

import pytest
from django.test import override_settings

from audit.models import AuditEvent
from privacy.policies.models import PolicyServiceMessage
from privacy.policies.tests.conftest import MONDAY
from privacy.policies.tests.helpers import SERVICE, TEXTS, draft, published
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
PAGE = "/settings/privacy-policy/"


@pytest.fixture
def versions(dpo, clock):
    """2026-01 (superseded), 2026-02 (in force), 2026-03 (coming), and a draft."""
    old = published(dpo, "2026-01", MONDAY - dt.timedelta(days=60), **SERVICE)
    current = published(dpo, "2026-02", MONDAY - dt.timedelta(days=30))
    coming = published(dpo, "2026-03", MONDAY + dt.timedelta(days=7), now=MONDAY, **SERVICE)
    draft(dpo, "2026-04-secret-draft", MONDAY + dt.timedelta(days=30))
    return old, current, coming


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.OWNER, 200), (Role.PRIVACY, 200), (Role.ADMIN, 403), (Role.AGENT, 403)],
)
def test_owners_and_privacy_officers_open_the_page(clock, tenant_a, versions, role, status):
    response = verified_client(tenant_a.members[role].user).get(PAGE)
    assert response.status_code == status
    settings_home = verified_client(tenant_a.members[role].user).get("/settings/tokens/")
    assert (f'href="{PAGE}"' in settings_home.content.decode()) is (status == 200)


def test_the_page_shows_each_versions_outcome(clock, tenant_a, versions):
    old, current, coming = versions
    PolicyServiceMessage.objects.create(
        tenant=tenant_a.tenant,
        version=old,
        state="done",
        counts={"sent": 41, "not_sent": {"opted_out": 3, "channel_refused": 1, "minor_x": 2}},
    )
    page = verified_client(tenant_a.owner.user).get(PAGE).content.decode()
    assert "In force now: version 2026-02." in page
    assert "2026-04-secret-draft" not in page

    def row(label):
        start = page.index(f'data-version="{label}"')
        return page[start : page.index("</tr>", start)]

    assert 'data-outcome="queued"' in row("2026-01")
    assert "41 customers received it" in row("2026-01")
    assert "6 not sent" in row("2026-01")
    assert '<li data-reason="opted_out">3 · opted out of the channel (SMS STOP)</li>' in row(
        "2026-01"
    )
    # A code the page has no words for (none today) still reads as words.
    assert '<li data-reason="minor_x">2 · refused</li>' in row("2026-01")
    assert 'data-outcome="no_message"' in row("2026-02") and "In force now" in row("2026-02")
    assert 'data-outcome="none"' in row("2026-03") and "Coming" in row("2026-03")


def test_minors_not_sent_it_are_said_in_words_with_the_settings_ages(clock, tenant_a, versions):
    old, _, _ = versions
    PolicyServiceMessage.objects.create(
        tenant=tenant_a.tenant,
        version=old,
        state="done",
        counts={"sent": 1, "not_sent": {"minor_under_15": 2, "parental_authorisation_required": 1}},
    )
    browser = verified_client(tenant_a.owner.user)

    def reasons(language):
        page = browser.get(PAGE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        start = page.index('<ul class="reasons">')
        return page[start : page.index("</ul>", start)]

    english = reasons("en")
    assert "minor_under_15</li>" not in english and "required</li>" not in english
    assert (
        '<li data-reason="minor_under_15">2 · marked under 15: their data is being erased</li>'
        in english
    )
    assert (
        '<li data-reason="parental_authorisation_required">1 · aged 15 to 17, no parental '
        "authorisation recorded</li>" in english
    )
    french = reasons("fr")
    assert "2 · signalés comme ayant moins de 15 ans : leurs données sont en cours" in french
    assert "1 · âgés de 15 à 17 ans, sans autorisation parentale enregistrée" in french
    with override_settings(MINOR_AGE_CHILD=16, MINOR_AGE_ADULT=19):
        assert "marked under 16:" in reasons("en") and "aged 16 to 18," in reasons("en")
        assert "moins de 16 ans" in reasons("fr") and "âgés de 16 à 18 ans" in reasons("fr")


def test_the_choice_is_saved_and_audited(clock, tenant_a, versions):
    browser = verified_client(tenant_a.members[Role.PRIVACY].user)
    saved = browser.post(PAGE, {"send_policy_messages": "on"})
    assert saved.status_code == 302
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.send_policy_messages is True
    browser.post(PAGE, {})
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.send_policy_messages is False
    events = AuditEvent.objects.filter(action="policy.messages_choice_changed").order_by("id")
    assert [e.metadata["send_policy_messages"] for e in events] == [True, False]
    refused = verified_client(tenant_a.members[Role.ADMIN].user).post(
        PAGE, {"send_policy_messages": "on"}
    )
    assert refused.status_code == 403
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.send_policy_messages is False


def test_the_public_page_shows_the_version_in_force_in_the_readers_language(
    client, clock, versions
):
    english = client.get("/privacy-policy/")
    assert english.status_code == 200
    text = english.content.decode()
    assert "Privacy policy, version 2026-02" in text and TEXTS["text_en"] in text
    assert "In force since" in text
    french = client.get("/privacy-policy/?lang=fr").content.decode()
    assert "version 2026-02" in french and TEXTS["text_fr"] in french
    by_browser = client.get("/privacy-policy/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert TEXTS["text_fr"] in by_browser.content.decode()
    old = client.get("/privacy-policy/2026-01/").content.decode()
    assert "since replaced" in old and 'href="/privacy-policy/?lang=en"' in old
    coming = client.get("/privacy-policy/2026-03/").content.decode()
    assert "In force from 2026-03-09 10:00 (Europe/Paris)." in coming
    assert client.get("/privacy-policy/2026-04-secret-draft/").status_code == 404
    assert client.get("/privacy-policy/nothing/").status_code == 404


def test_before_any_version_the_public_page_says_so(client, db):
    page = client.get("/privacy-policy/")
    assert page.status_code == 200
    assert "No version of the privacy policy is in force yet." in page.content.decode()


def test_the_widget_links_to_the_policy_in_force(client, clock, versions, tenant_a, settings):
    from privacy.policies.tests.helpers import widget_of

    settings.PUBLIC_BASE_URL = "https://instaply.example"
    widget = widget_of(tenant_a)
    script = client.get(f"/widget/{widget.public_key}.js").content.decode()
    assert '"policy_url": "https://instaply.example/privacy-policy/"' in script
    assert '"policy_version": "2026-02"' in script
