"""Every page in English and French, and times in the reader's time zone."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import Client

from conversations.models import Conversation
from tenants.models import Role

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_the_browsers_language_is_the_default(client):
    french = client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert '<html lang="fr">' in french.content.decode()
    assert "Se connecter" in french.content.decode()
    assert "Sign in" in Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_person_picks_a_language_which_wins_over_the_browser(tenant_a, page_as, conversation_a):
    browser = page_as(Role.AGENT)
    browser.post("/language/", {"language": "fr", "next": "/inbox/"})
    person = tenant_a.members[Role.AGENT].user
    person.refresh_from_db()
    assert person.language == "fr"
    browser.cookies.clear()  # another device: only the account remembers
    from web.tests.helpers import verified_client

    elsewhere = verified_client(person)
    for path in ("/inbox/", f"/c/{conversation_a.id}/", "/account/", "/settings/tokens/"):
        html = elsewhere.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<html lang="fr">' in html, path
    page = elsewhere.get(f"/c/{conversation_a.id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Répondre" in page and "Ajouter une note interne" in page


def test_times_are_shown_in_the_persons_time_zone(tenant_a, page_as, conversation_a):
    at = dt.datetime(2030, 1, 15, 23, 30, tzinfo=dt.UTC)
    Conversation.objects.filter(pk=conversation_a.pk).update(last_activity_at=at)
    person = tenant_a.members[Role.AGENT].user
    browser = page_as(Role.AGENT)
    # Not chosen: the device's zone (the tz cookie app.js sets), then UTC.
    browser.cookies["tz"] = "Asia/Tokyo"
    assert "Jan. 16, 2030, 8:30 a.m." == _title_time(browser.get("/inbox/?status=any"))
    person.time_zone = "America/New_York"
    person.save(update_fields=["time_zone"])
    assert "Jan. 15, 2030, 6:30 p.m." == _title_time(browser.get("/inbox/?status=any"))
    browser.post("/account/", {"full_name": "Ann", "language": "", "time_zone": "Etc/UTC"})
    person.refresh_from_db()
    assert person.time_zone == "Etc/UTC"
    assert "Jan. 15, 2030, 11:30 p.m." == _title_time(browser.get("/inbox/?status=any"))


def _title_time(response) -> str:
    import re

    return re.search(r'<time datetime="[^"]+" title="([^"]+)"', response.content.decode())[1]


def test_the_french_catalogue_is_complete():
    """Every string of the pages has its French (no empty or fuzzy entry)."""
    entries = CATALOGUE.read_text().split("\n\n")[1:]
    assert len(entries) > 300
    # An empty translation is `msgstr ""` (or `msgstr[n] ""`) with no continuation line.
    empty = re.compile(r'^msgstr(\[\d\])? ""$(?!\n")', re.M)
    untranslated = [
        entry.splitlines()[0] for entry in entries if "#, fuzzy" in entry or empty.search(entry)
    ]
    assert untranslated == []
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists(), "run `make install` (msgfmt) to compile the French catalogue"
    assert compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime, "the .mo is older than the .po"
