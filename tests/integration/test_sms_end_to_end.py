"""SMS end to end, over real HTTP, on PostgreSQL, with a real Celery worker.

A phone in the provider simulator texts the shop; the simulator calls our
webhook on the live server, signed as the provider signs; the worker puts the
text in the inbox; an agent replies through the API; the worker sends it with
the provider's SDK (a first try fails with a 500 and is retried); the simulator
delivers it and its signed status callbacks mark it delivered.
"""

import time

import pytest
import requests

from channels_sms.models import PhoneNumber, ProviderAccount, SendAttempt
from channels_sms.simulator import SimulatorServer
from tenants.models import Role
from tests.integration.support import WORKER_SCENARIO

PHONE, UK_PHONE = "+33612345678", "+447700900123"
TWILIO_NUMBER, VONAGE_NUMBER = "+15017122661", "+447700900001"
TWILIO_SID, TWILIO_TOKEN = "AC" + "e" * 32, "e2e-auth-token"
VONAGE_KEY, VONAGE_SECRET, VONAGE_SIGNING = "e2ekey01", "e2e-api-secret", "e2e-signature-secret"

pytestmark = WORKER_SCENARIO


@pytest.fixture
def simulator(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url  # the URL the simulator calls, signed over
    with SimulatorServer(port=0, status_delay=0.05) as server:
        settings.SMS_SIMULATOR_URL = server.url
        server.add_account(
            provider="twilio",
            account_sid=TWILIO_SID,
            auth_token=TWILIO_TOKEN,
            numbers=[TWILIO_NUMBER],
            inbound_webhook_url=live_server.url + "/webhooks/twilio/sms/",
        )
        server.add_account(
            provider="vonage",
            api_key=VONAGE_KEY,
            api_secret=VONAGE_SECRET,
            signature_secret=VONAGE_SIGNING,
            signature_method="sha512",
            numbers=[VONAGE_NUMBER],
            inbound_webhook_url=live_server.url + "/webhooks/vonage/sms/",
            status_callback_url=live_server.url + "/webhooks/vonage/status/",
        )
        yield server


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False  # loopback only, never through a machine-wide proxy
    yield session
    session.close()


def _numbers(world):
    twilio = ProviderAccount.objects.create(
        tenant=world.tenant, provider="twilio", account_ref=TWILIO_SID, auth_token=TWILIO_TOKEN
    )
    vonage = ProviderAccount.objects.create(
        tenant=world.tenant,
        provider="vonage",
        account_ref=VONAGE_KEY,
        auth_token=VONAGE_SECRET,
        signature_secret=VONAGE_SIGNING,
        signature_method="sha512",
    )
    for account, number in ((twilio, TWILIO_NUMBER), (vonage, VONAGE_NUMBER)):
        PhoneNumber.objects.create(
            tenant=world.tenant,
            shop=world.shop,
            account=account,
            provider=account.provider,
            number=number,
        )


def _eventually(fetch, check, what: str, worker, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fetch()
        if check(value):
            return value
        if worker.poll() is not None:
            pytest.fail(f"the worker died: {worker.stdout.read()}")
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout} s; last seen: {value}")


class Inbox:
    def __init__(self, http, base: str, token: str):
        self.http, self.base = http, base
        self.headers = {"Authorization": f"Bearer {token}"}

    def conversations(self) -> list[dict]:
        url = f"{self.base}/api/v1/conversations"
        return self.http.get(url, headers=self.headers, timeout=10).json()["results"]

    def messages(self, conversation_id) -> list[dict]:
        url = f"{self.base}/api/v1/conversations/{conversation_id}/messages"
        return self.http.get(url, headers=self.headers, timeout=10).json()["results"]

    def reply(self, conversation_id, body: str) -> dict:
        url = f"{self.base}/api/v1/conversations/{conversation_id}/messages"
        response = self.http.post(url, json={"body": body}, headers=self.headers, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()


def _inbox(tenant_a, http, live_server) -> Inbox:
    from tenants.services.tokens import api_token_create

    _, token = api_token_create(membership=tenant_a.members[Role.AGENT], name="e2e")
    return Inbox(http, live_server.url, token)


def _conversation_with(inbox, worker, body: str) -> dict:
    return _eventually(
        inbox.conversations,
        lambda rows: any(c["last_message_preview"] == body[:120] for c in rows),
        "the text reaching the inbox",
        worker,
    )


def test_a_phone_texts_the_shop_over_twilio_and_gets_the_reply_delivered(
    tenant_a, simulator, worker, http, live_server
):
    _numbers(tenant_a)
    inbox = _inbox(tenant_a, http, live_server)

    sent = simulator.inject_inbound(from_=PHONE, to=TWILIO_NUMBER, body="Is my cake ready?")
    assert (sent["status"], sent["body"]) == (
        200,
        '<?xml version="1.0" encoding="UTF-8"?><Response />',
    )
    [conversation] = _conversation_with(inbox, worker, "Is my cake ready?")
    assert conversation["channel"] == "sms" and conversation["contact"]["display_name"] == PHONE

    simulator.add_fault(count=1, status=500, provider="twilio")
    reply = inbox.reply(conversation["id"], "Yes, ready at five 🎂")
    assert reply["status"] == "queued"

    [received] = simulator.wait_for_messages(to=PHONE, direction="outbound", timeout=30)
    assert (received["from"], received["body"]) == (TWILIO_NUMBER, "Yes, ready at five 🎂")
    assert received["status_callback"] == live_server.url + "/webhooks/twilio/status/"
    thread = _eventually(
        lambda: inbox.messages(conversation["id"]),
        lambda rows: rows[0]["status"] == "delivered",
        "the status callback marking the reply delivered",
        worker,
    )
    assert [(m["direction"], m["body"]) for m in thread] == [
        ("outbound", "Yes, ready at five 🎂"),
        ("inbound", "Is my cake ready?"),
    ]
    attempts = SendAttempt.objects.filter(message_id=reply["id"]).order_by("number")
    assert [(a.outcome, a.error_code) for a in attempts] == [("transient", "20500"), ("sent", "")]
    callbacks = simulator.deliveries(kind="status")
    assert [d["params"]["MessageStatus"] for d in callbacks] == ["sent", "delivered"]
    assert {d["status"] for d in callbacks} == {200}


def test_a_long_vonage_text_arrives_whole_and_the_reply_is_delivered(
    tenant_a, simulator, worker, http, live_server
):
    _numbers(tenant_a)
    inbox = _inbox(tenant_a, http, live_server)
    body = " ".join(f"Line {n}: the wedding cake needs three tiers." for n in range(8))

    sent = simulator.inject_inbound(
        provider="vonage", from_=UK_PHONE, to=VONAGE_NUMBER, body=body, order="reverse"
    )
    assert len(sent["deliveries"]) == 3 and {d["status"] for d in sent["deliveries"]} == {204}
    [conversation] = _conversation_with(inbox, worker, body)
    assert [m["body"] for m in inbox.messages(conversation["id"])] == [body]

    inbox.reply(conversation["id"], "Bien reçu, à samedi !")
    [received] = simulator.wait_for_messages(to=UK_PHONE, direction="outbound", timeout=30)
    assert received["body"] == "Bien reçu, à samedi !"
    _eventually(
        lambda: inbox.messages(conversation["id"]),
        lambda rows: rows[0]["status"] == "delivered",
        "the delivery receipt marking the reply delivered",
        worker,
    )
