"""The widget's settings page, as its admin reads it."""

import pytest

from conversations.models import Widget
from tenants.models import Role
from web.tests.page_text import page_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Paste this line before </body> on every page"),
        ("fr", "Collez cette ligne avant </body> dans chaque page"),
    ],
)
def test_the_snippet_instructions_name_the_end_of_body_tag(tenant_a, page_as, language, words):
    widget = Widget.objects.create(tenant=tenant_a.tenant, shop=tenant_a.shop)
    page = page_as(Role.ADMIN).get(f"/settings/widget/{widget.id}/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert words in page_text(page.content.decode())


def test_an_admin_gives_the_greeting_and_closed_message_per_language(tenant_a, page_as):
    widget = Widget.objects.create(tenant=tenant_a.tenant, shop=tenant_a.shop)
    admin = page_as(Role.ADMIN)
    page = admin.get(f"/settings/widget/{widget.id}/", HTTP_ACCEPT_LANGUAGE="fr")
    text = page_text(page.content.decode())
    assert "Message d’accueil (Français)" in text and "Message de fermeture (Anglais)" in text
    form = {
        "allowed_origins": "https://shop-a.example",
        "greeting": "Hello! How can we help?",
        "colour": "#1f5fbf",
        "text_colour": "#ffffff",
        "age_gate": "on",
        "active": "on",
        "greeting_fr": "Bonjour ! Comment pouvons-nous vous aider ?",
        "greeting_en": "",
        "away_fr": "Nous sommes fermés ; nous répondons dès lundi.",
        "away_en": "",
    }
    saved = admin.post(f"/settings/widget/{widget.id}/", form)
    assert saved.status_code == 302
    widget.refresh_from_db()
    assert widget.greetings == {"fr": "Bonjour ! Comment pouvons-nous vous aider ?"}
    assert widget.away_messages == {"fr": "Nous sommes fermés ; nous répondons dès lundi."}
    # Shown again as saved.
    again = admin.get(f"/settings/widget/{widget.id}/").content.decode()
    assert "Nous sommes fermés ; nous répondons dès lundi.</textarea>" in again
