"""Minors on the conversation page: the banner of a held minor with the form
that records the parental authorisation, the under-15 banner with its erasure
request, the contact panel's age control, the reply box disabled with the reason."""

import pytest

from audit.models import AuditEvent
from conversations.models import Contact
from privacy.consent.selectors import consent_current
from privacy.dsr.models import DataSubjectRequest
from privacy.minors.services import contact_age_set
from tenants.models import Role

pytestmark = pytest.mark.django_db


def _page(browser, conversation) -> str:
    return browser.get(f"/c/{conversation.id}/").content.decode()


def test_a_held_minor_shows_the_banner_the_disabled_reply_and_the_form(
    tenant_a, conversation_a, page_as
):
    agent = page_as(Role.AGENT)
    response = agent.post(
        f"/c/{conversation_a.id}/age", {"age_status": "minor_unauthorised"}, follow=True
    )
    assert "Age saved." in response.content.decode()
    html = _page(agent, conversation_a)
    assert 'data-minor-banner="held"' in html
    assert "Replies are blocked until parental authorisation is recorded." in html
    assert 'id="reply-body"' not in html and 'id="reply-blocked-body"' in html
    assert "data-reply-blocked" in html and "no parental authorisation is recorded" in html
    assert 'name="given_by"' in html and 'type="date"' in html
    response = agent.post(
        f"/c/{conversation_a.id}/parental-authorisation",
        {"given_by": "His mother", "given_on": "2026-02-01", "method": "in_person", "note": ""},
        follow=True,
    )
    assert "Parental authorisation recorded" in response.content.decode()
    html = _page(agent, conversation_a)
    assert "data-minor-banner" not in html and 'id="reply-body"' in html
    assert "15–17, parental authorisation" in html
    entry = consent_current(conversation_a.contact, "parental_authorisation")
    assert entry.details["given_by"] == "His mother" and entry.channel == "staff"


def test_a_bad_authorisation_form_says_why_and_changes_nothing(tenant_a, conversation_a, page_as):
    agent = page_as(Role.AGENT)
    agent.post(f"/c/{conversation_a.id}/age", {"age_status": "minor_unauthorised"})
    response = agent.post(
        f"/c/{conversation_a.id}/parental-authorisation",
        {"given_by": "", "given_on": "2026-02-01", "method": "in_person"},
        follow=True,
    )
    assert "This field is required." in response.content.decode()
    assert Contact.objects.get(pk=conversation_a.contact_id).age_status == "minor_unauthorised"


def test_the_under_15_banner_links_the_erasure_request_for_those_who_handle_it(
    tenant_a, conversation_a, page_as
):
    agent = page_as(Role.AGENT)
    response = agent.post(f"/c/{conversation_a.id}/age", {"age_status": "under_15"}, follow=True)
    assert "Marked under 15" in response.content.decode()
    dsr = DataSubjectRequest.objects.get()
    html = _page(agent, conversation_a)
    assert 'data-minor-banner="under_15"' in html and "erasure request of their data" in html
    assert f"/settings/privacy/{dsr.id}/" not in html  # an agent cannot open it
    assert "owners and privacy officers were told" in html
    owner_html = _page(page_as(Role.OWNER), conversation_a)
    assert f"/settings/privacy/{dsr.id}/" in owner_html
    request_page = page_as(Role.OWNER).get(f"/settings/privacy/{dsr.id}/").content.decode()
    assert 'data-reason="child_under_15"' in request_page


def test_the_pages_speak_french_with_the_settings_ages(tenant_a, conversation_a, page_as, settings):
    settings.MINOR_AGE_CHILD, settings.MINOR_AGE_ADULT = 16, 18
    contact_age_set(
        contact=conversation_a.contact, age_status="minor_unauthorised", membership=tenant_a.owner
    )
    person = tenant_a.members[Role.AGENT].user
    person.language = "fr"
    person.save(update_fields=["language"])
    html = _page(page_as(Role.AGENT), conversation_a)
    assert "Les réponses sont bloquées jusqu’à l’enregistrement d’une autorisation parentale." in (
        html.replace("&#x27;", "’")
    )
    assert "16–17 ans, sans autorisation parentale" in html


def test_a_viewer_sees_no_control_and_is_refused(tenant_a, conversation_a, page_as):
    contact_age_set(
        contact=conversation_a.contact, age_status="minor_unauthorised", membership=tenant_a.owner
    )
    viewer = page_as(Role.VIEWER)
    html = _page(viewer, conversation_a)
    assert 'data-minor-banner="held"' in html
    assert 'name="given_by"' not in html and 'name="age_status"' not in html
    for path, data in (
        ("age", {"age_status": "adult"}),
        ("parental-authorisation", {"given_by": "X", "given_on": "2026-01-01", "method": "phone"}),
        ("parental-authorisation/withdraw", {}),
    ):
        assert viewer.post(f"/c/{conversation_a.id}/{path}", data).status_code == 403
    assert Contact.objects.get(pk=conversation_a.contact_id).age_status == "minor_unauthorised"
    assert AuditEvent.objects.filter(action="access.denied").count() == 3
