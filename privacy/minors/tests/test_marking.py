# ruff: noqa: F811 - fixtures imported from other apps' tests are parameters here
"""A contact marked under 15: an erasure request (reason child_under_15) is
filed in the same transaction through the DSR machinery, and every message to
the contact is refused at once: staff replies (409), retries, automatic and
service messages, and a reply queued just before the mark."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from channels_sms.models import SendAttempt
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
from conversations.services.contacts import contact_find, contact_get_or_create
from conversations.services.messages import (
    conversation_for_inbound,
    message_reply,
    message_retry,
    message_send_automatic,
    message_status_update,
)
from conversations.tests.conftest import conversation_a, widget_a  # noqa: F401 - fixtures
from instaply.errors import Conflict, Forbidden
from privacy.dsr import services as dsr_services
from privacy.dsr import work
from privacy.dsr.holds import legal_hold_set
from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.tests.helpers import dpo, file
from privacy.minors.services import contact_age_set
from tenants.models import Notice, Role

pytestmark = pytest.mark.django_db
TWILIO_SMS = "/webhooks/twilio/sms/"
# 23:30 UTC on a Monday is already Tuesday in Paris (the platform's calendar).
MONDAY_NIGHT = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)


def _mark(world, contact, role=Role.AGENT, **kwargs):
    return contact_age_set(
        contact=contact, age_status="under_15", membership=world.members[role], **kwargs
    )


def _reply(world, conversation, role=Role.AGENT):
    return world.client(role).post(
        f"/api/v1/conversations/{conversation.id}/messages", {"body": "Hello!"}, format="json"
    )


def test_the_mark_files_an_erasure_request_and_blocks_replies_at_once(
    tenant_a, conversation_a, django_capture_on_commit_callbacks
):
    contact = conversation_a.contact
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        response = tenant_a.client(Role.AGENT).post(
            f"/api/v1/contacts/{contact.id}/age", {"age_status": "under_15"}, format="json"
        )
    assert response.status_code == 200, response.json()
    dsr = DataSubjectRequest.objects.get()
    assert response.json() == {
        "id": str(contact.id),
        "age_status": "under_15",
        "blocked": "minor_under_15",
        "erasure_request_id": str(dsr.id),
    }
    assert (dsr.request_type, dsr.reason, dsr.state, dsr.paused) == (
        "erasure",
        "child_under_15",
        "received",
        False,
    )
    assert dsr.contact_id == contact.id and dsr.filed_by is None and dsr.identity_verified
    assert dsr.subject_asked_on == dt.date(2026, 3, 3)  # today in Paris
    assert dsr.received_at == MONDAY_NIGHT and dsr.due_at is not None
    assert [e.actor for e in dsr.events.all()] == ["system:minors"]
    assert AuditEvent.objects.filter(action="privacy.request_filed", target_id=str(dsr.id))
    changed = AuditEvent.objects.get(action="contact.age_changed")
    assert changed.actor_kind in ("member", "api_token")
    assert changed.metadata == {
        "from": "unknown",
        "to": "under_15",
        "source": "staff",
        "request_id": str(dsr.id),
    }
    # The tenant's owners and privacy officers are told in the app.
    notice = Notice.objects.get(kind="minors.child_marked")
    assert notice.capability == "privacy.requests"
    assert notice.link == f"/settings/privacy/{dsr.id}/"
    # Blocked at once: the very next reply is refused with a clear reason.
    refused = _reply(tenant_a, conversation_a)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "minor_under_15"
    assert "under 15" in refused.json()["error"]["message"]
    assert not Message.objects.filter(direction="outbound").exists()


def test_automatic_service_messages_and_retries_are_refused_too(tenant_a, conversation_a):
    failed = message_reply(actor=tenant_a.owner, conversation=conversation_a, body="Earlier")
    message_status_update(message_id=failed.pk, status="failed", failure_code="x")
    _mark(tenant_a, conversation_a.contact)
    conversation = Conversation.objects.get(pk=conversation_a.pk)
    assert message_send_automatic(conversation=conversation, body="We are closed") is None
    assert message_send_automatic(conversation=conversation, body="HELP", service=True) is None
    with pytest.raises(Conflict) as retried:
        message_retry(actor=tenant_a.owner, message=failed)
    assert retried.value.code == "minor_under_15"
    assert Message.objects.filter(direction="outbound").count() == 1


def test_an_sms_reply_queued_before_the_mark_never_leaves(
    tenant_a,
    sms_a,
    sms_simulator,
    django_capture_on_commit_callbacks,
):
    contact, _ = contact_get_or_create(tenant_id=tenant_a.tenant.id, kind="phone", value=PHONE)
    conversation = conversation_for_inbound(
        shop=tenant_a.shop, contact=contact, channel="sms", endpoint_id=sms_a.twilio_number.pk
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        message = message_reply(actor=tenant_a.owner, conversation=conversation, body="Hi")
    _mark(tenant_a, contact)
    for callback in queued:
        callback()  # the send task runs after the mark
    message.refresh_from_db()
    assert (message.status, message.failure_code) == ("failed", "minor_under_15")
    assert list(SendAttempt.objects.values_list("outcome", "error_code")) == [
        ("permanent", "minor_under_15")
    ]
    assert sms_simulator.messages() == []


def test_a_widget_reply_queued_before_the_mark_never_reaches_the_visitor(
    tenant_a, conversation_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        message = message_reply(actor=tenant_a.owner, conversation=conversation_a, body="Hi")
    _mark(tenant_a, conversation_a.contact)
    for callback in queued:
        callback()
    message.refresh_from_db()
    assert (message.status, message.failure_code) == ("failed", "minor_under_15")


def test_an_under_15_contact_texting_help_gets_no_answer_but_the_text_is_kept(
    tenant_a,
    sms_a,
    sms_simulator,
    client,
    django_capture_on_commit_callbacks,
):
    """Inbound texts are still stored (the erasure removes them with the rest);
    nothing goes back, not even the HELP answer carriers otherwise require."""

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
            assert twilio_webhook(client, TWILIO_SMS, params).status_code in (200, 204)

    text("Hello", "SM" + "1" * 32)
    contact = contact_find(tenant_id=tenant_a.tenant.id, kind="phone", value=PHONE)
    _mark(tenant_a, contact)
    text("HELP", "SM" + "2" * 32)
    assert sms_simulator.messages(direction="outbound") == []
    assert not Message.objects.filter(direction="outbound").exists()
    assert Message.objects.filter(contact=contact, direction="inbound").count() == 2


def test_an_open_erasure_request_of_the_tenant_gets_the_mark_linked_to_it(tenant_a, conversation_a):
    contact = conversation_a.contact
    original, _ = file(tenant_a.owner, contact_id=contact.id)
    _mark(tenant_a, contact)
    linked = DataSubjectRequest.objects.exclude(pk=original.pk).get()
    assert linked.reason == "child_under_15" and linked.duplicate_of == original
    assert linked.state == "cancelled"
    notice = Notice.objects.get(kind="minors.child_marked")
    assert notice.params["request"] == str(original.pk)


def test_marking_again_files_nothing_more_unless_no_request_is_open(tenant_a, conversation_a):
    contact = conversation_a.contact
    _mark(tenant_a, contact)
    _mark(tenant_a, contact)
    assert DataSubjectRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="contact.age_changed").count() == 1
    officer = dpo()
    dsr_services.dsr_reject(staff=officer, dsr=DataSubjectRequest.objects.get(), reason="Test")
    _mark(tenant_a, contact)  # the child is still under 15: a new request
    assert DataSubjectRequest.objects.filter(state="received", reason="child_under_15").count() == 1


def test_a_legal_hold_does_not_stop_the_mark_but_pauses_the_erasure(
    tenant_a, conversation_a, django_capture_on_commit_callbacks
):
    contact = conversation_a.contact
    legal_hold_set(membership=tenant_a.owner, contact=contact, reason="Tax audit 2026")
    _mark(tenant_a, contact)
    assert Contact.objects.get(pk=contact.pk).age_status == "under_15"
    assert _reply(tenant_a, conversation_a).status_code == 409
    dsr = DataSubjectRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        dsr_services.dsr_start(staff=dpo(), dsr=dsr)
    dsr.refresh_from_db()
    assert (dsr.state, dsr.paused) == ("in_progress", True)
    assert "Tax audit 2026" in dsr.events.filter(kind="paused").get().reason
    assert Contact.objects.filter(pk=contact.pk, erased_at__isnull=True).exists()
    assert work.perform(dsr_id=dsr.pk) == "skipped"


def test_the_erasure_runs_as_any_other(
    tenant_a, conversation_a, django_capture_on_commit_callbacks
):
    contact = conversation_a.contact
    _mark(tenant_a, contact)
    dsr = DataSubjectRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        dsr_services.dsr_start(staff=dpo(), dsr=dsr)
    dsr.refresh_from_db()
    assert dsr.state == "completed"
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not Message.objects.filter(contact_id=contact.pk).exists()


def test_only_an_owner_withdraws_the_mark_and_it_cancels_the_request(tenant_a, conversation_a):
    contact = conversation_a.contact
    _mark(tenant_a, contact)
    for role in (Role.AGENT, Role.ADMIN):
        with pytest.raises(Forbidden):
            contact_age_set(contact=contact, age_status="adult", membership=tenant_a.members[role])
    for role in (Role.VIEWER, Role.PRIVACY):  # cannot change a contact at all
        with pytest.raises(Forbidden):
            contact_age_set(contact=contact, age_status="adult", membership=tenant_a.members[role])
    contact = contact_age_set(contact=contact, age_status="adult", membership=tenant_a.owner)
    assert contact.age_status == "adult"
    dsr = DataSubjectRequest.objects.get()
    assert dsr.state == "cancelled"
    assert _reply(tenant_a, conversation_a).status_code == 201


def test_the_mark_stays_once_the_erasure_started(
    tenant_a, conversation_a, django_capture_on_commit_callbacks
):
    contact = conversation_a.contact
    _mark(tenant_a, contact)
    dsr = DataSubjectRequest.objects.get()
    dsr_services.dsr_start(staff=dpo(), dsr=dsr)  # the work task is not run
    with pytest.raises(Conflict) as refused:
        contact_age_set(contact=contact, age_status="adult", membership=tenant_a.owner)
    assert refused.value.code == "erasure_started"
    assert Contact.objects.get(pk=contact.pk).age_status == "under_15"


def test_a_viewer_cannot_and_another_tenants_contact_is_a_404(tenant_a, tenant_b, conversation_a):
    contact = conversation_a.contact
    url = f"/api/v1/contacts/{contact.id}/age"
    viewer = tenant_a.client(Role.VIEWER).post(url, {"age_status": "under_15"}, format="json")
    assert viewer.status_code == 403
    foreign = tenant_b.client(Role.OWNER).post(url, {"age_status": "under_15"}, format="json")
    assert foreign.status_code == 404
    assert Contact.objects.get(pk=contact.pk).age_status == "unknown"
    assert not DataSubjectRequest.objects.exists()


def test_the_contact_patch_goes_through_the_same_rules(tenant_a, conversation_a):
    contact = conversation_a.contact
    response = tenant_a.client(Role.AGENT).patch(
        f"/api/v1/contacts/{contact.id}", {"age_status": "under_15", "locale": "fr"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["age_status"] == "under_15" and response.json()["locale"] == "fr"
    assert DataSubjectRequest.objects.get().reason == "child_under_15"
