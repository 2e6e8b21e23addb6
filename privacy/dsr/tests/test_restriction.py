# ruff: noqa: F811 - fixtures imported from other apps' tests are parameters here
"""Restriction and objection: no message but the legally required ones, per
purpose for objections, shown in the inbox, lifted by withdrawal."""

import pytest

from audit.models import AuditEvent
from channels_sms.tests.conftest import (  # noqa: F401 - fixtures
    PHONE,
    TWILIO_NUMBER,
    fixture,
    sms,
    sms_a,
    sms_simulator,
    twilio_webhook,
)
from conversations.models import Contact, Conversation, Message
from conversations.services.contacts import contact_find
from conversations.services.messages import message_reply
from conversations.tests.conftest import conversation_a, widget_a  # noqa: F401 - fixtures
from instaply.errors import Conflict
from privacy.dsr.restriction import (
    analytics_allowed,
    lift_restriction,
    object_to,
    restrict,
    withdraw_objection,
)
from privacy.dsr.tests.erasure_support import erasure_request, no_progress
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
TWILIO_SMS = "/webhooks/twilio/sms/"


def _request(contact, request_type, purpose=""):
    request = erasure_request(contact.tenant, contact, request_type=request_type)
    request.purpose = purpose
    return request


def _reply(tenant_a, conversation):
    return tenant_a.client(Role.AGENT).post(
        f"/api/v1/conversations/{conversation.id}/messages", {"body": "hello?"}, format="json"
    )


def test_a_restriction_refuses_replies_with_409_and_withdrawal_lifts_it(tenant_a, conversation_a):
    contact = conversation_a.contact
    counts = restrict(_request(contact, "restriction"), contact, no_progress)
    assert counts == {"processing_restricted": 1, "objections": 0}
    response = _reply(tenant_a, conversation_a)
    assert response.status_code == 409
    assert (
        response.json()["error"]
        == {
            "code": "processing_restricted",
            "message": "Processing of this contact's data is restricted: no message can be sent.",
        }
        or response.json()["error"]["code"] == "processing_restricted"
    )
    assert not Message.objects.filter(direction="outbound").exists()
    event = AuditEvent.objects.get(action="privacy.request_restricted")
    assert event.metadata["processing_restricted"] is True

    lift_restriction(_request(contact, "restriction_withdrawal"), contact, no_progress)
    assert _reply(tenant_a, conversation_a).status_code == 201
    assert AuditEvent.objects.filter(action="privacy.request_restriction_lifted").exists()


def test_an_objection_applies_to_its_purpose_only(tenant_a, conversation_a):
    contact = conversation_a.contact
    object_to(_request(contact, "objection", "marketing"), contact, no_progress)
    contact.refresh_from_db()
    assert contact.objections == ["marketing"]
    assert contact.objects_to("marketing") and not contact.objects_to("analytics")
    # Answering the person is not marketing: replies still go.
    assert _reply(tenant_a, conversation_a).status_code == 201
    assert analytics_allowed(contact)

    object_to(_request(contact, "objection", "analytics"), contact, no_progress)
    contact.refresh_from_db()
    assert contact.objections == ["analytics", "marketing"] and not analytics_allowed(contact)

    withdraw_objection(_request(contact, "objection_withdrawal", "marketing"), contact, no_progress)
    contact.refresh_from_db()
    assert contact.objections == ["analytics"]


def test_an_objection_to_all_processing_is_a_restriction_until_withdrawn(tenant_a, conversation_a):
    contact = conversation_a.contact
    object_to(_request(contact, "objection"), contact, no_progress)
    contact.refresh_from_db()
    assert contact.objections == ["all"] and contact.processing_refused
    assert _reply(tenant_a, conversation_a).status_code == 409
    assert not analytics_allowed(contact)
    withdraw_objection(_request(contact, "objection_withdrawal"), contact, no_progress)
    contact.refresh_from_db()
    assert contact.objections == [] and not contact.processing_refused
    assert _reply(tenant_a, conversation_a).status_code == 201


def test_the_api_and_the_inbox_show_the_restriction(tenant_a, conversation_a):
    contact = conversation_a.contact
    restrict(_request(contact, "restriction"), contact, no_progress)
    object_to(_request(contact, "objection", "marketing"), contact, no_progress)
    listed = tenant_a.client(Role.AGENT).get("/api/v1/conversations").json()
    row = listed["results"][0]["contact"] if "results" in listed else listed[0]["contact"]
    assert row["processing_restricted"] is True and row["objections"] == ["marketing"]
    client = verified_client(tenant_a.members[Role.AGENT].user)
    inbox = client.get("/inbox/").content.decode()
    assert "data-restricted" in inbox
    page = client.get(f"/c/{conversation_a.id}/").content.decode()
    assert "data-restricted" in page and "objects to: marketing" in page


@pytest.fixture
def restricted_sms(sms, sms_simulator, client, django_capture_on_commit_callbacks):  # noqa: F811
    """A contact who texted the shop, then restricted; ``text(body, sid)`` texts again."""

    def text(body, sid):
        params = fixture("twilio_inbound.json") | {
            "Body": body,
            "From": PHONE,
            "To": TWILIO_NUMBER,
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = twilio_webhook(client, TWILIO_SMS, params)
        assert response.status_code in (200, 204)

    text("Hello", "SM" + "1" * 32)
    contact = contact_find(tenant_id=sms.tenant.id, kind="phone", value=PHONE)
    restrict(_request(contact, "restriction"), contact, no_progress)
    return text, contact


def test_a_restricted_contact_still_gets_the_help_answer(
    restricted_sms,
    sms,  # noqa: F811
    sms_simulator,  # noqa: F811
):
    """HELP is answered (carriers require it, the person asked); it is the one
    message that leaves for a restricted contact."""
    text, contact = restricted_sms
    text("HELP", "SM" + "2" * 32)
    [sent] = sms_simulator.wait_for_messages(to=PHONE, direction="outbound")
    assert sent["from"] == TWILIO_NUMBER
    answer = Message.objects.get(direction="outbound")
    assert answer.service and answer.status == "sent"


def test_a_restricted_contact_can_still_opt_out_with_stop(
    restricted_sms,
    sms,  # noqa: F811
    sms_simulator,  # noqa: F811
):
    """STOP is honoured as for anyone (the provider sends the confirmation)."""
    text, contact = restricted_sms
    text("STOP", "SM" + "3" * 32)
    assert Contact.objects.get(pk=contact.pk).opted_out_channels == ["sms"]
    assert sms_simulator.messages(direction="outbound") == []


def test_a_restriction_between_reply_and_send_stops_the_send(
    tenant_a,
    sms_a,  # noqa: F811
    sms_simulator,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from conversations.services.contacts import contact_get_or_create
    from conversations.services.messages import conversation_for_inbound

    contact, _ = contact_get_or_create(tenant_id=tenant_a.tenant.id, kind="phone", value=PHONE)
    conversation = conversation_for_inbound(
        shop=tenant_a.shop, contact=contact, channel="sms", endpoint_id=sms_a.twilio_number.pk
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        message = message_reply(actor=tenant_a.owner, conversation=conversation, body="Hi")
    restrict(_request(contact, "restriction"), contact, no_progress)
    for callback in queued:
        callback()
    message.refresh_from_db()
    assert (message.status, message.failure_code) == ("failed", "processing_restricted")
    assert sms_simulator.messages() == []
    with pytest.raises(Conflict):
        message_reply(
            actor=tenant_a.owner,
            conversation=Conversation.objects.get(pk=conversation.pk),
            body="Hi again",
        )
