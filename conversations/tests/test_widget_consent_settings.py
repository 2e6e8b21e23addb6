"""The tenant's admin asks for the special-category consent on a widget: its
text is required, and each new wording gets the next version."""

import pytest

from audit.models import AuditEvent
from conversations.models import Widget
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

TEXT = "I agree that the shop processes the health details I give here."


def test_a_new_wording_gets_the_next_version_and_the_same_one_does_not(tenant_a, widget_a):
    admin = tenant_a.client(Role.ADMIN)
    url = f"/api/v1/widgets/{widget_a.id}"
    first = admin.patch(
        url,
        {"special_category_consent": True, "special_category_text": f"  {TEXT} "},
        format="json",
    )
    assert first.status_code == 200, first.json()
    assert first.json()["special_category_text"] == TEXT
    assert first.json()["special_category_text_version"] == "1"
    same = admin.patch(url, {"special_category_text": TEXT, "greeting": "Hi"}, format="json")
    assert same.json()["special_category_text_version"] == "1"
    changed = admin.patch(url, {"special_category_text": TEXT + " Thanks."}, format="json")
    assert changed.json()["special_category_text_version"] == "2"
    # Switching it off keeps the wording and its version for next time.
    off = admin.patch(url, {"special_category_consent": False}, format="json")
    assert off.json()["special_category_text_version"] == "2"
    event = AuditEvent.objects.filter(action="widget.updated").last()
    assert TEXT not in str(event.metadata)


def test_asking_without_a_text_is_refused(tenant_a, widget_a):
    response = tenant_a.client(Role.ADMIN).patch(
        f"/api/v1/widgets/{widget_a.id}", {"special_category_consent": True}, format="json"
    )
    assert response.status_code == 400
    assert "special_category_text" in response.json()["error"]["fields"]
    widget_a.refresh_from_db()
    assert widget_a.special_category_consent is False


def test_the_version_cannot_be_set_by_hand_and_agents_cannot_change_it(tenant_a, widget_a):
    url = f"/api/v1/widgets/{widget_a.id}"
    forged = tenant_a.client(Role.ADMIN).patch(
        url, {"special_category_text_version": "9"}, format="json"
    )
    assert forged.status_code == 400
    agent = tenant_a.client(Role.AGENT).patch(url, {"special_category_text": TEXT}, format="json")
    assert agent.status_code == 403


def test_the_settings_page_sets_the_consent_and_shows_its_version(tenant_a, widget_a):
    page = verified_client(tenant_a.members[Role.ADMIN].user)
    url = f"/settings/widget/{widget_a.id}/"
    form = {
        "allowed_origins": "https://shop-a.example",
        "greeting": "Hello",
        "colour": "#1b4fb8",
        "text_colour": "#ffffff",
        "age_gate": "on",
        "active": "on",
        "special_category_consent": "on",
        "special_category_text": "",
    }
    refused = page.post(url, form)
    assert refused.status_code == 200
    assert "Required when the consent is asked." in refused.content.decode()
    saved = page.post(url, form | {"special_category_text": TEXT}, follow=True)
    assert "version 1" in saved.content.decode()
    widget = Widget.objects.get(pk=widget_a.pk)
    assert (widget.special_category_consent, widget.special_category_text) == (True, TEXT)
    french = page.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "version 1" in french
