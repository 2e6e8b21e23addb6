"""The widget speaks the visitor's language, paints the brand colour from its first
frame, and says when the shop replies (business hours, measured first responses)."""

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache

from conversations.models import Conversation, Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from conversations.widget import availability
from conversations.widget.admin_services import widget_update
from instaply.errors import Invalid

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop-a.example"
PARIS = "Europe/Paris"
# Monday to Friday 9:00-12:00 and 14:00-18:00, Paris time.
HOURS = {
    day: [["09:00", "12:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
# Wednesday 3 December 2025, 10:30 in Paris (09:30 UTC): open.
OPEN_NOW = dt.datetime(2025, 12, 3, 9, 30, tzinfo=dt.UTC)
# Saturday 6 December 2025, 11:00 in Paris: closed until Monday 09:00 (08:00 UTC).
SATURDAY = dt.datetime(2025, 12, 6, 10, 0, tzinfo=dt.UTC)


def _script_config(client, widget) -> dict:
    script = client.get(f"/widget/{widget.public_key}.js").content.decode()
    return json.loads(re.search(r"var CONFIG = (\{.*?\});\n", script).group(1))


def _config(client, widget, language: str) -> dict:
    response = client.get(
        f"/api/widget/v1/{widget.public_key}/config",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_script_carries_the_brand_colours_and_every_languages_words(client, widget_a):
    widget_a.colour, widget_a.text_colour = "#c2410c", "#fffbeb"
    widget_a.save()
    config = _script_config(client, widget_a)
    assert (config["colour"], config["text_colour"]) == ("#c2410c", "#fffbeb")
    assert set(config["strings"]) == {"en", "fr"}
    assert config["strings"]["en"]["start"] == "Start chat"
    assert config["strings"]["fr"]["start"] == "Commencer la discussion"
    assert config["strings"]["fr"]["typing"] == "{name} écrit…"
    # Both languages have every word, and no French word is left in English.
    assert config["strings"]["fr"].keys() == config["strings"]["en"].keys()
    untranslated = [
        k for k, v in config["strings"]["fr"].items() if v == config["strings"]["en"][k]
    ]
    assert untranslated == []


def test_the_config_speaks_the_requested_language_and_keeps_the_tenants_words(client, widget_a):
    widget_a.greeting = "Hello! Ask us anything."
    widget_a.greetings = {"fr": "Bonjour ! Posez-nous vos questions."}
    widget_a.save()
    french = _config(client, widget_a, "fr-FR,fr;q=0.9")
    assert french["language"] == "fr"
    assert french["greeting"] == "Bonjour ! Posez-nous vos questions."
    assert french["age_texts"]["legend"] == "Votre âge"
    assert french["away_message"].startswith("Nous sommes fermés")
    english = _config(client, widget_a, "en-GB")
    assert english["greeting"] == "Hello! Ask us anything."
    assert english["away_message"].startswith("We are closed")
    # A language the widget does not speak gets the default one.
    assert _config(client, widget_a, "de-DE")["language"] == "en"


def test_the_tenants_away_message_wins_over_the_default(client, widget_a):
    widget_a.away_messages = {"fr": "Fermé ! Retour lundi."}
    widget_a.save()
    assert _config(client, widget_a, "fr")["away_message"] == "Fermé ! Retour lundi."
    assert _config(client, widget_a, "en")["away_message"].startswith("We are closed")


def test_errors_speak_the_visitors_language(client, widget_a):
    response = client.post(
        f"/api/widget/v1/{widget_a.public_key}/sessions",
        {"age": ""},
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    refused = client.get(
        f"/api/widget/v1/{widget_a.public_key}/config",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert refused.json()["error"]["message"] == (
        "Ce site ne peut pas utiliser cette fenêtre de discussion."
    )


def test_texts_per_language_are_checked(tenant_a, widget_a):
    with pytest.raises(Invalid) as refused:
        widget_update(actor=tenant_a.owner, widget=widget_a, greetings={"xx": "Hi"})
    assert "'xx' is not a language of the widget" in refused.value.fields["greetings"]
    with pytest.raises(Invalid):
        widget_update(actor=tenant_a.owner, widget=widget_a, away_messages={"fr": "x" * 601})
    widget_a.refresh_from_db()
    assert widget_a.greetings == {} and widget_a.away_messages == {}
    widget_update(actor=tenant_a.owner, widget=widget_a, greetings={"fr": "  Bonjour  ", "en": " "})
    widget_a.refresh_from_db()
    assert widget_a.greetings == {"fr": "Bonjour"}  # blank: that language gets the default


# Availability -----------------------------------------------------------------------


def test_next_opening_follows_the_business_hours():
    assert availability.next_opening(hours=HOURS, time_zone=PARIS, now=OPEN_NOW) is None
    monday = availability.next_opening(hours=HOURS, time_zone=PARIS, now=SATURDAY)
    assert monday == dt.datetime(2025, 12, 8, 8, 0, tzinfo=dt.UTC)
    lunch = dt.datetime(2025, 12, 3, 12, 0, tzinfo=dt.UTC)  # 13:00 in Paris
    assert availability.next_opening(hours=HOURS, time_zone=PARIS, now=lunch) == dt.datetime(
        2025, 12, 3, 13, 0, tzinfo=dt.UTC
    )
    assert availability.next_opening(hours={}, time_zone=PARIS, now=SATURDAY) is None


def test_only_open_time_counts_towards_a_first_response():
    friday_evening = dt.datetime(2025, 12, 5, 16, 30, tzinfo=dt.UTC)  # 17:30 in Paris
    monday_morning = dt.datetime(2025, 12, 8, 8, 10, tzinfo=dt.UTC)  # 09:10 in Paris
    seconds = availability.open_seconds_between(
        hours=HOURS, time_zone=PARIS, start=friday_evening, end=monday_morning
    )
    assert seconds == 40 * 60  # 30 minutes on Friday, 10 on Monday
    assert (
        availability.open_seconds_between(
            hours={}, time_zone=PARIS, start=friday_evening, end=monday_morning
        )
        == (monday_morning - friday_evening).total_seconds()
    )


@pytest.mark.parametrize(
    ("minutes", "bucket"),
    [(3, "minutes"), (12, "quarter"), (45, "hour"), (180, "hours"), (600, "day")],
)
def test_a_median_first_response_names_its_bucket(minutes, bucket):
    assert availability.reply_bucket(minutes * 60) == bucket


def _answered(tenant_a, asked: dt.datetime, minutes: int):
    conversation = ConversationFactory(
        tenant=tenant_a.tenant, shop=tenant_a.shop, created_at=asked, inbound_count=1
    )
    MessageFactory(conversation=conversation, created_at=asked)
    MessageFactory(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        sender_kind=Message.SenderKind.MEMBER,
        sender=tenant_a.members["agent"],
        status=Message.Status.DELIVERED,
        created_at=asked + dt.timedelta(minutes=minutes),
    )
    return conversation


def test_the_usual_reply_time_is_measured_from_answered_conversations(tenant_a):
    shop = tenant_a.shop
    shop.business_hours, shop.time_zone = HOURS, PARIS
    shop.save()
    # Too few answered conversations: the cautious words.
    for minutes in (2, 3):
        _answered(tenant_a, OPEN_NOW - dt.timedelta(days=1), minutes)
    assert availability.typical_reply(shop, now=OPEN_NOW) == "hours"
    for minutes in (4, 10, 12):
        _answered(tenant_a, OPEN_NOW - dt.timedelta(days=1), minutes)
    assert availability.typical_reply(shop, now=OPEN_NOW) == "minutes"  # median 4 minutes
    # Automatic replies are no first response; another shop's answers do not count.
    unanswered = ConversationFactory(
        tenant=tenant_a.tenant, shop=shop, created_at=OPEN_NOW, inbound_count=1
    )
    MessageFactory(conversation=unanswered, created_at=OPEN_NOW)
    assert Conversation.objects.filter(shop=shop).count() == 6
    assert availability.typical_reply(shop, now=OPEN_NOW) == "minutes"


def test_the_config_says_open_or_when_the_shop_is_back(client, widget_a, time_machine):
    shop = widget_a.shop
    shop.business_hours, shop.time_zone = HOURS, PARIS
    shop.save()
    cache.delete(f"widget:reply-within:{shop.tenant_id}:{shop.pk}")
    time_machine.move_to(OPEN_NOW, tick=False)
    assert _config(client, widget_a, "en")["availability"] == {
        "open": True,
        "back_at": None,
        "reply_within": "hours",
    }
    time_machine.move_to(SATURDAY, tick=False)
    closed = _config(client, widget_a, "en")["availability"]
    assert closed["open"] is False
    assert closed["back_at"] == "2025-12-08T08:00:00Z"


def test_the_api_sets_and_answers_the_texts_per_language(tenant_a, widget_a):
    admin = tenant_a.client("admin")
    changed = admin.patch(
        f"/api/v1/widgets/{widget_a.id}",
        {"greetings": {"fr": "Bonjour !"}, "away_messages": {"fr": "Fermé.", "en": "Closed."}},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["greetings"] == {"fr": "Bonjour !"}
    assert changed.json()["away_messages"] == {"fr": "Fermé.", "en": "Closed."}
    refused = admin.patch(
        f"/api/v1/widgets/{widget_a.id}", {"greetings": {"de": "Hallo"}}, format="json"
    )
    assert refused.status_code == 400 and "greetings" in refused.json()["error"]["fields"]
    agent = tenant_a.client("agent")
    assert agent.patch(f"/api/v1/widgets/{widget_a.id}", {}, format="json").status_code == 403


def test_the_script_carries_what_the_files_endpoint_accepts(client, widget_a, settings):
    # The picker offers these types and a file over the limit is refused before
    # its upload: both follow the settings the endpoint enforces.
    settings.ATTACHMENT_ALLOWED_TYPES = ["image/png", "application/pdf"]
    settings.ATTACHMENT_MAX_BYTES = 3 * 1024 * 1024
    config = _script_config(client, widget_a)
    assert config["files"] == {"types": ["image/png", "application/pdf"], "max_bytes": 3145728}
    assert config["strings"]["fr"]["attach"] == "Joindre un fichier"
    assert config["strings"]["fr"]["file_too_large"] == (
        "Ce fichier est trop volumineux : la limite est de {size} Mo."
    )
