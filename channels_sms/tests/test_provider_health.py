"""/readyz reports an SMS provider that keeps failing as degraded, never down:
replies wait and retry, the rest of the platform works (channels_sms/provider_health.py)."""

import pytest

from channels_sms.tests.conftest import PHONE
from conversations.models import Conversation
from conversations.services.contacts import contact_get_or_create
from conversations.services.messages import message_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(sms, django_capture_on_commit_callbacks):
    from tenants.models import Role
    from tenants.tests.factories import MembershipFactory

    agent = MembershipFactory(tenant=sms.tenant, role=Role.AGENT)
    contact, _ = contact_get_or_create(tenant_id=sms.tenant.id, kind="phone", value=PHONE)
    conversation = Conversation.objects.create(
        tenant=sms.tenant,
        shop=sms.shop,
        contact=contact,
        channel="sms",
        endpoint_id=sms.twilio_number.pk,
    )

    def send(body="Your order is ready."):
        with django_capture_on_commit_callbacks(execute=True):
            message = message_reply(actor=agent, conversation=conversation, body=body)
        message.refresh_from_db()
        return message

    return send


def _readyz(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_a_provider_failing_again_and_again_is_degraded_until_a_send_goes_through(
    client, settings, sms_simulator, reply
):
    from instaply.heartbeat import beat

    beat()  # a worker alive, where there are workers
    settings.SMS_PROVIDER_DEGRADED_FAILURES = 3
    settings.SMS_SEND_MAX_ATTEMPTS = 2
    sms_simulator.add_fault(count=4, status=503, provider="twilio")
    assert reply().status == "failed"  # two transient failures, then it gave up
    status, body = _readyz(client)
    assert status == 200 and body["checks"]["sms_providers"] == "ok"  # two in a row: not yet

    assert reply().status == "failed"  # four failures in a row: the circuit is open
    status, body = _readyz(client)
    assert status == 200, body  # degraded is not down: traffic keeps coming
    assert body["checks"]["sms_providers"] == "degraded"
    assert body["degraded"] == ["sms_providers"] and body["down"] == []
    assert body["status"] == "degraded"

    assert reply().status == "sent"  # the provider is back: one send closes it
    status, body = _readyz(client)
    assert (status, body["checks"]["sms_providers"], body["status"]) == (200, "ok", "ok")


def test_a_provider_refusing_a_text_for_good_is_there(client, settings, sms_simulator, reply):
    settings.SMS_PROVIDER_DEGRADED_FAILURES = 1
    sms_simulator.add_fault(count=1, status=400, code=21614, provider="twilio")
    assert reply().status == "failed"
    assert _readyz(client)[1]["checks"]["sms_providers"] == "ok"


def test_an_unreachable_provider_is_degraded(client, settings, sms_simulator, reply):
    settings.SMS_PROVIDER_DEGRADED_FAILURES = 2
    settings.SMS_SEND_MAX_ATTEMPTS = 2
    settings.SMS_SIMULATOR_URL = "http://127.0.0.1:1"  # nothing listens: refused
    assert reply().status == "failed"
    status, body = _readyz(client)
    assert status == 200 and body["checks"]["sms_providers"] == "degraded"
