"""Reading a thread, replying, and what staff do to a conversation."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from conversations.models import Conversation, Message
from conversations.services.contacts import contact_set_opt_out
from conversations.tests.factories import MessageFactory
from tenants.models import Role

pytestmark = pytest.mark.django_db


def test_thread_pages_newest_first_and_the_read_is_audited(tenant_a, conversation_a):
    for i in range(5):
        MessageFactory(conversation=conversation_a, body=f"line {i}")
    client = tenant_a.client(Role.VIEWER)
    first = client.get(f"/api/v1/conversations/{conversation_a.id}/messages?limit=4").json()
    assert [m["body"] for m in first["results"]] == ["line 4", "line 3", "line 2", "line 1"]
    rest = client.get(
        f"/api/v1/conversations/{conversation_a.id}/messages?limit=4&cursor={first['next_cursor']}"
    ).json()
    assert [m["body"] for m in rest["results"]] == ["line 0", "Is my cake ready?"]
    assert rest["next_cursor"] is None
    read = AuditEvent.objects.filter(action="personal_data.read", target_id=str(conversation_a.id))
    assert read.count() == 2 and read.first().metadata["fields"] == ["messages"]


def test_a_thread_page_is_three_queries_whatever_its_length(tenant_a, conversation_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = tenant_a.client(Role.AGENT)
    path = f"/api/v1/conversations/{conversation_a.id}/messages"
    assert client.get(path).status_code == 200  # warm: token touch, key cache
    for i in range(30):
        MessageFactory(conversation=conversation_a, body=f"line {i}")
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get(path).json()["results"]) == 31
    # The token, the page, the audit event. The page's messages show the
    # conversation is the tenant's: it is not read (a field of it read later
    # would show as a fourth query).
    assert len(queries) == 3, [q["sql"][:80] for q in queries]


def test_a_conversation_without_messages_is_an_empty_page_not_a_404(tenant_a, conversation_a):
    Message.objects.for_tenant(tenant_a.tenant).filter(conversation=conversation_a).delete()
    response = tenant_a.client(Role.AGENT).get(
        f"/api/v1/conversations/{conversation_a.id}/messages"
    )
    assert response.status_code == 200
    assert response.json() == {"results": [], "next_cursor": None}


def test_another_tenants_thread_is_not_found(tenant_a, tenant_b, conversation_a):
    response = tenant_b.client(Role.AGENT).get(
        f"/api/v1/conversations/{conversation_a.id}/messages"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("conversation_id", ["not-an-id", "00000000-0000-0000-0000-000000000000"])
def test_a_malformed_or_missing_thread_is_not_found(tenant_a, conversation_id):
    path = f"/api/v1/conversations/{conversation_id}/messages"
    assert tenant_a.client(Role.AGENT).get(path).status_code == 404


def test_an_agent_replies_and_the_widget_channel_takes_it(
    tenant_a, conversation_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant_a.client(Role.AGENT).post(
            f"/api/v1/conversations/{conversation_a.id}/messages",
            {"body": "Yes, it is!"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "queued"
    message = Message.objects.get(pk=response.json()["id"])
    assert message.status == "sent" and message.sender == tenant_a.members[Role.AGENT]
    conversation_a.refresh_from_db()
    assert conversation_a.last_message_preview == "Yes, it is!"
    assert AuditEvent.objects.filter(action="message.sent", target_id=str(message.id)).exists()


def test_a_viewer_cannot_reply(tenant_a, conversation_a):
    response = tenant_a.client(Role.VIEWER).post(
        f"/api/v1/conversations/{conversation_a.id}/messages", {"body": "hi"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Message.objects.filter(direction="outbound").exists()


def test_replies_to_an_opted_out_contact_are_refused_with_409(tenant_a, conversation_a):
    contact_set_opt_out(
        contact=conversation_a.contact, channel="widget", opted_out=True, source="test"
    )
    response = tenant_a.client(Role.AGENT).post(
        f"/api/v1/conversations/{conversation_a.id}/messages", {"body": "hello?"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "opted_out"
    assert not Message.objects.filter(direction="outbound").exists()


def test_replies_are_refused_when_processing_is_restricted(tenant_a, conversation_a):
    contact = conversation_a.contact
    contact.processing_restricted = True
    contact.save(update_fields=["processing_restricted"])
    response = tenant_a.client(Role.AGENT).post(
        f"/api/v1/conversations/{conversation_a.id}/messages", {"body": "hello?"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "processing_restricted"


@pytest.mark.parametrize(("body", "problem"), [("   ", "blank"), ("x" * 4001, "4000")])
def test_empty_and_oversized_replies_are_explained(tenant_a, conversation_a, body, problem):
    response = tenant_a.client(Role.AGENT).post(
        f"/api/v1/conversations/{conversation_a.id}/messages", {"body": body}, format="json"
    )
    assert response.status_code == 400
    assert problem in " ".join(response.json()["error"]["fields"]["body"])


def test_assign_close_reopen_snooze(tenant_a, conversation_a):
    client = tenant_a.client(Role.AGENT)
    base = f"/api/v1/conversations/{conversation_a.id}"
    agent = tenant_a.members[Role.AGENT]
    assert client.post(f"{base}/assign", {"assignee": str(agent.id)}, format="json").json()[
        "assignee"
    ]["id"] == str(agent.id)
    assert (
        client.post(f"{base}/assign", {"assignee": None}, format="json").json()["assignee"] is None
    )
    assert client.post(f"{base}/close").json()["status"] == "closed"
    assert client.post(f"{base}/reopen").json()["status"] == "open"
    assert client.post(f"{base}/pending").json()["status"] == "pending"
    until = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    snoozed = client.post(f"{base}/snooze", {"until": until}, format="json").json()
    assert snoozed["status"] == "snoozed" and snoozed["snoozed_until"]
    past = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    assert client.post(f"{base}/snooze", {"until": past}, format="json").status_code == 400
    actions = set(
        AuditEvent.objects.filter(target_id=str(conversation_a.id)).values_list("action", flat=True)
    )
    assert {
        "conversation.assigned",
        "conversation.unassigned",
        "conversation.closed",
        "conversation.open",
    } <= actions


def test_snoozed_conversations_wake_up(tenant_a, conversation_a):
    from conversations.services.inbox import conversation_set_status, conversations_wake

    conversation_set_status(
        actor=tenant_a.owner,
        conversation=conversation_a,
        status="snoozed",
        snoozed_until=timezone.now() + dt.timedelta(minutes=5),
    )
    assert conversations_wake(now=timezone.now()) == 0
    assert conversations_wake(now=timezone.now() + dt.timedelta(minutes=6)) == 1
    conversation_a.refresh_from_db()
    assert conversation_a.status == Conversation.Status.OPEN


def test_assigning_to_a_viewer_or_another_tenant_is_refused(tenant_a, tenant_b, conversation_a):
    client = tenant_a.client(Role.AGENT)
    base = f"/api/v1/conversations/{conversation_a.id}/assign"
    viewer = tenant_a.members[Role.VIEWER]
    assert client.post(base, {"assignee": str(viewer.id)}, format="json").status_code == 400
    foreign = client.post(base, {"assignee": str(tenant_b.members[Role.AGENT].id)}, format="json")
    missing = client.post(base, {"assignee": str(uuid.uuid4())}, format="json")
    # Another tenant's member is refused on the field exactly as an id that exists nowhere.
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    assert foreign.json()["error"]["fields"] == {
        "assignee": ["Nothing with this id in this workspace."]
    }
    conversation_a.refresh_from_db()
    assert conversation_a.assignee_id is None


def test_labels_are_added_and_removed(tenant_a, conversation_a):
    client = tenant_a.client(Role.AGENT)
    label = client.post(
        "/api/v1/labels", {"name": "vip", "colour": "#aa0000"}, format="json"
    ).json()
    path = f"/api/v1/conversations/{conversation_a.id}/labels/{label['id']}"
    assert [item["name"] for item in client.put(path).json()["labels"]] == ["vip"]
    assert client.put(path).status_code == 200  # idempotent
    assert client.delete(path).json()["labels"] == []
    assert client.post("/api/v1/labels", {"name": "vip"}, format="json").status_code == 409


def test_notes_are_internal_and_encrypted(tenant_a, conversation_a):
    client = tenant_a.client(Role.AGENT)
    created = client.post(
        f"/api/v1/conversations/{conversation_a.id}/notes",
        {"body": "Regular, prefers rye."},
        format="json",
    )
    assert created.status_code == 201
    notes = client.get(f"/api/v1/conversations/{conversation_a.id}/notes").json()["results"]
    assert notes[0]["body"] == "Regular, prefers rye." and notes[0]["author"]["role"] == "agent"
    assert not Message.objects.filter(direction="outbound").exists()
    assert (
        tenant_a.client(Role.VIEWER)
        .post(f"/api/v1/conversations/{conversation_a.id}/notes", {"body": "x"}, format="json")
        .status_code
        == 403
    )


def test_canned_responses_crud(tenant_a):
    client = tenant_a.client(Role.AGENT)
    created = client.post(
        "/api/v1/canned-responses", {"shortcut": "hours", "text": "We open at 9."}, format="json"
    )
    assert created.status_code == 201
    path = f"/api/v1/canned-responses/{created.json()['id']}"
    assert (
        client.patch(path, {"text": "We open at 8."}, format="json").json()["text"]
        == "We open at 8."
    )
    assert [c["shortcut"] for c in client.get("/api/v1/canned-responses").json()["results"]] == [
        "hours"
    ]
    assert tenant_a.client(Role.VIEWER).delete(path).status_code == 403
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404


def test_contacts_are_listed_read_and_updated(tenant_a, conversation_a):
    client = tenant_a.client(Role.AGENT)
    contact_id = conversation_a.contact_id
    listed = client.get("/api/v1/contacts").json()["results"]
    assert [c["id"] for c in listed] == [str(contact_id)]
    updated = client.patch(
        f"/api/v1/contacts/{contact_id}",
        {"name": "Claire", "phone": "06 12 34 56 78", "age_status": "adult"},
        format="json",
    )
    assert updated.status_code == 400  # a French number without a country code is ambiguous
    updated = client.patch(
        f"/api/v1/contacts/{contact_id}",
        {"name": "Claire", "phone": "+33 6 12 34 56 78"},
        format="json",
    )
    assert updated.json()["phone"] == "+33612345678" and updated.json()["name"] == "Claire"
    found = client.get("/api/v1/conversations?phone=%2B33612345678").json()["results"]
    assert [c["id"] for c in found] == [str(conversation_a.id)]
    assert (
        tenant_a.client(Role.VIEWER)
        .patch(f"/api/v1/contacts/{contact_id}", {"name": "x"}, format="json")
        .status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/contacts/{contact_id}", {"shoe_size": 42}, format="json").status_code
        == 400
    )


def test_the_wake_up_task_is_scheduled_and_runs(tenant_a, conversation_a, settings):
    from conversations.services.inbox import conversation_set_status
    from conversations.tasks import wake_snoozed

    assert settings.CELERY_BEAT_SCHEDULE["conversations.wake_snoozed"]["task"] == wake_snoozed.name
    conversation_set_status(
        actor=tenant_a.owner,
        conversation=conversation_a,
        status="snoozed",
        snoozed_until=timezone.now() + dt.timedelta(seconds=1),
    )
    import time_machine

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        assert wake_snoozed.delay().get() == 1


def test_a_closed_conversation_is_not_reopened_beside_the_newer_one(tenant_a, conversation_a):
    from conversations.services.messages import conversation_for_inbound

    # Within the reopen window a new text would reopen it (test_history.py): no window here.
    type(tenant_a.tenant).objects.filter(pk=tenant_a.tenant.pk).update(reopen_window_days=0)
    client = tenant_a.client(Role.AGENT)
    base = f"/api/v1/conversations/{conversation_a.id}"
    assert client.post(f"{base}/close").json()["status"] == "closed"
    newer = conversation_for_inbound(
        shop=conversation_a.shop,
        contact=conversation_a.contact,
        channel=conversation_a.channel,
        endpoint_id=conversation_a.endpoint_id,
    )
    assert newer.pk != conversation_a.pk
    refused = client.post(f"{base}/reopen", HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "newer_conversation_in_progress"
    assert "plus récente" in refused.json()["error"]["message"]
    conversation_a.refresh_from_db()
    assert conversation_a.status == "closed"
