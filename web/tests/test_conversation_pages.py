"""A conversation page: the thread, the reply box, staff actions, the contact panel,
and what a viewer may not do."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from conversations.models import CannedResponse, Label, Message, Note
from conversations.services.inbox import note_add
from conversations.services.messages import message_reply, message_status_update
from tenants.models import Role
from web.tests.conftest import start_conversation

pytestmark = pytest.mark.django_db

WRITES = ("reply", "note", "assign", "status", "labels")


def test_the_thread_shows_direction_sender_time_and_delivery(
    tenant_a, conversation_a, page_as, django_capture_on_commit_callbacks
):
    agent = tenant_a.members[Role.AGENT]
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_reply(actor=agent, conversation=conversation_a, body="Yes, at five.")
    note_add(actor=agent, conversation=conversation_a, body="VIP customer, be nice")
    html = page_as(Role.AGENT).get(f"/c/{conversation_a.id}/").content.decode()
    inbound = html.index('class="item inbound"')
    outbound = html.index(f'data-id="m-{reply.id}"')
    note = html.index('class="item note"')
    assert inbound < outbound < note  # oldest first
    assert "Zoé Martin" in html and agent.user.get_full_name() in html
    assert 'data-delivery="sent"' in html and ">Sent<" in html
    assert "Internal note" in html and "VIP customer, be nice" in html
    assert re.search(r'<time datetime="[^"]+" title="[^"]+">', html)
    assert "<title>Conversation · Instaply</title>" in html  # no name in the title


def test_a_failed_message_shows_its_reason_and_can_be_sent_again(
    tenant_a, conversation_a, page_as, django_capture_on_commit_callbacks
):
    agent = tenant_a.members[Role.AGENT]
    reply = message_reply(actor=agent, conversation=conversation_a, body="Hello?")
    Message.objects.filter(pk=reply.pk).update(status="sent")
    message_status_update(
        message_id=reply.pk, status="failed", failure_code="30008",
        failure_reason="The carrier could not deliver it.",
    )  # fmt: skip
    browser = page_as(Role.AGENT)
    html = browser.get(f"/c/{conversation_a.id}/").content.decode()
    assert "The carrier could not deliver it." in html
    retry_url = f"/c/{conversation_a.id}/messages/{reply.id}/retry"
    assert f'action="{retry_url}"' in html

    with django_capture_on_commit_callbacks(execute=True):
        answer = browser.post(retry_url, follow=True)
    assert b"Sending again." in answer.content
    reply.refresh_from_db()
    assert (reply.status, reply.failure_reason) == ("sent", "")  # handed to the channel again
    assert AuditEvent.objects.filter(action="message.retried", target_id=str(reply.pk)).exists()
    again = browser.post(retry_url, follow=True)
    assert b"Only a failed message can be sent again." in again.content


def test_replies_and_notes_from_a_form_or_from_the_page_script(conversation_a, page_as):
    browser = page_as(Role.AGENT)
    base = f"/c/{conversation_a.id}"
    plain = browser.post(f"{base}/reply", {"body": "Ready at five."})
    assert plain.status_code == 302 and plain["Location"] == f"{base}/"
    scripted = browser.post(f"{base}/reply", {"body": "See you!"}, HTTP_X_REQUESTED_WITH="fetch")
    assert scripted.json() == {"ok": True, "message": "Reply queued."}
    empty = browser.post(f"{base}/reply", {"body": "  "}, HTTP_X_REQUESTED_WITH="fetch")
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    browser.post(f"{base}/note", {"body": "Asked twice already"})
    bodies = [m.body for m in Message.objects.filter(conversation=conversation_a).order_by("id")]
    assert bodies == ["Is my cake ready?", "Ready at five.", "See you!"]
    assert [n.body for n in Note.objects.filter(conversation=conversation_a)] == [
        "Asked twice already"
    ]


def test_an_opted_out_contact_gets_no_reply_box(tenant_a, widget_a, page_as):
    conversation = start_conversation(tenant_a, widget_a, opted_out_channels=["widget"])
    browser = page_as(Role.AGENT)
    html = browser.get(f"/c/{conversation.id}/").content.decode()
    assert 'id="reply-body"' not in html and "opted out" in html
    refused = browser.post(f"/c/{conversation.id}/reply", {"body": "Hi"}, follow=True)
    assert "This contact opted out of messages on this channel" in refused.content.decode()


def test_staff_actions(tenant_a, conversation_a, page_as):
    browser = page_as(Role.AGENT)
    base = f"/c/{conversation_a.id}"
    admin = tenant_a.members[Role.ADMIN]
    vip = Label.objects.create(tenant=tenant_a.tenant, name="vip")

    browser.post(f"{base}/assign", {"assignee": "me"})
    conversation_a.refresh_from_db()
    assert conversation_a.assignee_id == tenant_a.members[Role.AGENT].id
    browser.post(f"{base}/assign", {"assignee": str(admin.id)})
    conversation_a.refresh_from_db()
    assert conversation_a.assignee_id == admin.id
    browser.post(f"{base}/status", {"action": "close"})
    conversation_a.refresh_from_db()
    assert conversation_a.status == "closed"
    browser.post(f"{base}/status", {"action": "reopen"})
    browser.post(f"{base}/status", {"action": "snooze", "preset": "tomorrow"})
    conversation_a.refresh_from_db()
    assert conversation_a.status == "snoozed"
    local = timezone.localtime(conversation_a.snoozed_until, dt.UTC)
    assert conversation_a.snoozed_until > timezone.now() and local.minute == 0
    browser.post(f"{base}/labels", {"label": [str(vip.id)]})
    assert [label.name for label in conversation_a.labels.all()] == ["vip"]
    browser.post(f"{base}/labels", {})
    assert list(conversation_a.labels.all()) == []


def test_a_snooze_at_a_chosen_time_is_in_the_persons_time_zone(tenant_a, conversation_a, page_as):
    person = tenant_a.members[Role.AGENT].user
    person.time_zone = "Asia/Tokyo"  # no daylight saving: UTC+9 all year
    person.save(update_fields=["time_zone"])
    tokyo = ZoneInfo("Asia/Tokyo")
    chosen = (
        (timezone.now() + dt.timedelta(days=2)).astimezone(tokyo).replace(second=0, microsecond=0)
    )
    page_as(Role.AGENT).post(
        f"/c/{conversation_a.id}/status",
        {"action": "snooze", "preset": "", "until": chosen.strftime("%Y-%m-%dT%H:%M")},
    )
    conversation_a.refresh_from_db()
    assert conversation_a.snoozed_until == chosen


def test_the_contact_panel(tenant_a, widget_a, page_as):
    conversation = start_conversation(
        tenant_a, widget_a, name="Théo", email="theo@example.org", age_status="minor_unauthorised",
        processing_restricted=True,
    )  # fmt: skip
    html = page_as(Role.AGENT).get(f"/c/{conversation.id}/").content.decode()
    panel = html[html.index('class="contact-pane"') :]
    for shown in ("Théo", "theo@example.org", "Website chat", "15–17, no parental authorisation",
                  "Restricted", "Accepts messages"):  # fmt: skip
        assert shown in panel, shown
    assert "no message can be sent" in html and 'id="reply-body"' not in html


def test_saved_replies_and_the_sms_counter_are_offered(tenant_a, conversation_a, page_as):
    CannedResponse.objects.create(tenant=tenant_a.tenant, shortcut="hours", text="9 to 7")
    html = page_as(Role.AGENT).get(f"/c/{conversation_a.id}/").content.decode()
    assert 'data-canned="[{&quot;shortcut&quot;: &quot;hours&quot;' in html
    assert "data-counter" not in html  # a chat is not SMS


def test_a_viewer_sees_no_write_control_and_every_write_is_refused(
    tenant_a, conversation_a, page_as
):
    browser = page_as(Role.VIEWER)
    html = browser.get(f"/c/{conversation_a.id}/").content.decode()
    conversation = conversation_a.id
    controls = (
        'id="reply-body"',
        'id="assignee"',
        f"{conversation}/status",
        f"{conversation}/labels",
    )
    for control in (*controls, 'id="note-body"'):
        assert control not in html, control
    for action in WRITES:
        response = browser.post(
            f"/c/{conversation_a.id}/{action}", {"body": "x", "action": "close"}
        )
        assert response.status_code == 403, action
        assert b"Your role does not allow this action." in response.content
    assert AuditEvent.objects.filter(action="access.denied").count() == len(WRITES)
    conversation_a.refresh_from_db()
    assert conversation_a.status == "open" and conversation_a.messages.count() == 1


def test_long_threads_come_a_page_at_a_time(tenant_a, conversation_a, page_as):
    agent = tenant_a.members[Role.AGENT]
    for n in range(55):
        message_reply(actor=agent, conversation=conversation_a, body=f"Reply {n}")
    browser = page_as(Role.AGENT)
    html = browser.get(f"/c/{conversation_a.id}/").content.decode()
    assert html.count('class="item ') == 50 and "Reply 54" in html and "Reply 4<" not in html
    cursor = re.search(r'data-cursor="([^"]+)"', html)[1]
    older = browser.get(f"/c/{conversation_a.id}/thread?cursor={cursor}").content.decode()
    assert older.count('class="item ') == 6 and "Is my cake ready?" in older
