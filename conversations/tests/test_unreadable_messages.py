"""A message whose stored bytes do not decrypt (copied from another row, or one
byte flipped) reads as unreadable; the rest of the thread works, and each such
row raises one security alert, however often it is read."""

import pytest

from audit.models import AuditEvent, SecurityAlert
from conversations.models import Message
from conversations.tests.factories import MessageFactory
from tenants.models import Role
from web.tests.helpers import verified_client
from web.tests.page_text import page_text

pytestmark = pytest.mark.django_db

UNREADABLE_EN = "[unreadable: this message's stored data was altered"
UNREADABLE_FR = "[illisible : les données enregistrées de ce message ont été altérées"


def _stored(message) -> bytes:
    return Message.objects.values_list("body", flat=True).get(pk=message.pk)


@pytest.fixture
def tampered(conversation_a):
    """The thread: its first message, then one whose ciphertext was copied from
    that first message's row, one with a flipped byte, and an intact last one."""
    first = Message.objects.get(conversation=conversation_a)
    copied = MessageFactory(conversation=conversation_a, body="to be replaced")
    flipped = MessageFactory(conversation=conversation_a, body="Pick-up at 5?")
    MessageFactory(conversation=conversation_a, body="Thanks!")
    Message.objects.filter(pk=copied.pk).update(body=_stored(first))
    altered = bytearray(_stored(flipped))
    altered[-1] ^= 0x01
    Message.objects.filter(pk=flipped.pk).update(body=bytes(altered))
    return {copied.pk, flipped.pk}


def _alerts():
    return SecurityAlert.objects.filter(rule=SecurityAlert.Rule.UNREADABLE_DATA)


def test_the_api_thread_shows_the_tampered_messages_as_unreadable_and_alerts_once(
    tenant_a, conversation_a, tampered, django_capture_on_commit_callbacks
):
    client = tenant_a.client(Role.AGENT)
    url = f"/api/v1/conversations/{conversation_a.id}/messages"
    for _ in range(2):  # read twice: still one alert per row
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url)
        assert response.status_code == 200
        results = response.json()["results"]
        assert [(m["body"], m["unreadable"]) for m in reversed(results)] == [
            ("Is my cake ready?", False),
            (None, True),
            (None, True),
            ("Thanks!", False),
        ]
    alerts = _alerts()
    assert {alert.subject_id for alert in alerts} == {str(pk) for pk in tampered}
    assert alerts.count() == 2
    assert all(a.tenant_id == tenant_a.tenant.id and a.severity == "high" for a in alerts)
    # Every failed read is on record (two reads of two rows), without the contents.
    events = AuditEvent.objects.filter(action="personal_data.unreadable")
    assert events.count() == 4 and {e.outcome for e in events} == {"failure"}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_conversation_page_shows_the_rest_and_marks_the_tampered_ones(
    tenant_a, conversation_a, tampered, django_capture_on_commit_callbacks, language
):
    browser = verified_client(tenant_a.members[Role.AGENT].user)
    for path in (f"/c/{conversation_a.id}/", f"/c/{conversation_a.id}/thread"):
        with django_capture_on_commit_callbacks(execute=True):
            response = browser.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, path
        text = page_text(response.content.decode())
        assert "Is my cake ready?" in text and "Thanks!" in text
        marker = UNREADABLE_EN if language == "en" else UNREADABLE_FR
        assert text.count(marker) == 2
        assert "[erased]" not in text
    assert _alerts().count() == 2


def test_a_visitors_chat_keeps_working_past_a_tampered_message(
    client, widget_a, django_capture_on_commit_callbacks
):
    from conversations.tests.test_widget import _api, _start

    token = _start(client, widget_a)
    for body in ("First question", "Second question"):
        assert _api(client, widget_a, "messages", token=token, body=body).status_code == 201
    first = Message.objects.order_by("id").first()
    altered = bytearray(_stored(first))
    altered[20] ^= 0x80
    Message.objects.filter(pk=first.pk).update(body=bytes(altered))
    with django_capture_on_commit_callbacks(execute=True):
        thread = _api(client, widget_a, "messages", method="get", token=token)
    assert thread.status_code == 200
    assert [m["body"] for m in thread.json()["results"]] == [None, "Second question"]
    assert _alerts().get().subject_id == str(first.pk)
