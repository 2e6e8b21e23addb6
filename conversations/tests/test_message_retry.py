"""Sending a failed outbound message again (message_retry)."""

import pytest

from audit.models import AuditEvent
from conversations.models import FeedEvent, Message
from conversations.services.messages import message_reply, message_retry, message_status_update
from instaply.errors import Conflict
from tenants.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(tenant_a, conversation_a):
    agent = tenant_a.members[Role.AGENT]
    message = message_reply(actor=agent, conversation=conversation_a, body="Ready at five")
    message_status_update(
        message_id=message.pk, status="failed", failure_code="30008", failure_reason="Unknown error"
    )
    message.refresh_from_db()
    return message


def test_a_failed_message_is_queued_again_and_handed_to_its_channel(
    tenant_a, failed, django_capture_on_commit_callbacks
):
    agent = tenant_a.members[Role.AGENT]
    Message.objects.filter(pk=failed.pk).update(provider_message_id="SMold")
    with django_capture_on_commit_callbacks(execute=True):
        retried = message_retry(actor=agent, message=failed)
    assert (retried.status, retried.failure_code, retried.provider_message_id) == ("queued", "", "")
    failed.refresh_from_db()
    assert failed.status == "sent"  # the widget channel took it
    event = AuditEvent.objects.get(action="message.retried")
    assert event.metadata["previous_status"] == "failed" and event.target_id == str(failed.pk)
    assert FeedEvent.objects.filter(
        kind="message.status_changed", payload__status="queued"
    ).exists()


def test_only_failed_outbound_messages_are_retried(tenant_a, conversation_a, failed):
    agent = tenant_a.members[Role.AGENT]
    delivered = message_reply(actor=agent, conversation=conversation_a, body="Fine")
    message_status_update(message_id=delivered.pk, status="delivered")
    for message in (conversation_a.messages.get(direction="inbound"), delivered):
        with pytest.raises(Conflict) as refused:
            message_retry(actor=agent, message=message)
        assert refused.value.code == "not_failed"


def test_consent_is_checked_again(tenant_a, failed):
    contact = failed.conversation.contact
    contact.opted_out_channels = ["widget"]
    contact.save(update_fields=["opted_out_channels"])
    with pytest.raises(Conflict) as refused:
        message_retry(actor=tenant_a.members[Role.AGENT], message=failed)
    assert refused.value.code == "opted_out"
    failed.refresh_from_db()
    assert failed.status == "failed"
