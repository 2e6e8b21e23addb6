"""Twilio's webhooks served natively on the event loop (channels_sms/webhooks/intake.py).

The web tier's own ASGI application (instaply.asgi) runs under uvicorn in a
thread of this process, over HTTP on loopback, against the test database (as
the application role, under row-level security) and Redis. Each test says
which path answered (the intake counts what it served) and checks the answer
and the stored row against what the view gives for the same request.
"""

import asyncio
import http.client
import socket
import threading
import urllib.parse
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings

from audit.models import AuditEvent
from channels_sms.models import DeliveryKind, WebhookDelivery
from channels_sms.services import routing
from channels_sms.simulator import twilio_signature
from channels_sms.tests.conftest import (
    PHONE,
    TWILIO_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    fixture,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql"
        or "Redis" not in django_settings.CACHES["default"]["BACKEND"],
        reason="the native intake runs on PostgreSQL and Redis only",
    ),
]

HOST = "instaply.example"
SMS, STATUS = "/webhooks/twilio/sms/", "/webhooks/twilio/status/"
# Set by each hop of the tier (server, proxy): not part of the application's answer.
FRAMING = {"date", "server", "content-length", "transfer-encoding", "x-request-id"}


@pytest.fixture
def tier(sms, settings, monkeypatch):
    """instaply.asgi's application, the intake in front as SMS_WEBHOOK_INTAKE puts
    it, under uvicorn on a free loopback port: (port, intake)."""
    import uvicorn

    from channels_sms.webhooks.intake import WebhookIntake
    from instaply import asgi

    application = asgi.application
    if not isinstance(application, WebhookIntake):  # the switch is off by default
        application = WebhookIntake(application)
    settings.SMS_WEBHOOK_INTAKE = True
    # A routes version of this test's own: other xdist workers' tests change numbers
    # too, and a bump of theirs would send this test's webhooks to the view.
    monkeypatch.setattr(routing, "ROUTES_VERSION", f"sms:routes:version:{uuid.uuid4().hex}")
    settings.SMS_INBOUND_DISPATCH = "dispatcher"
    settings.ALLOWED_HOSTS = [HOST]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    routing.book.clear()
    application.served = 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off")
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()

    def serve():
        loop.run_until_complete(server.serve())
        loop.run_until_complete(application.close())  # its pooled connections

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        threading.Event().wait(0.02)
    yield port, application
    server.should_exit = True
    thread.join(timeout=30)
    routing.book.clear()


def _warm(port, path=SMS, **changes) -> None:
    """Two webhooks served by the view: the first learns the routes version, the
    second's route is kept in the book (channels_sms/services/routing.py)."""
    for n in range(2):
        assert _post(port, path, _params(f"SM{n:032d}", **changes))[0] == 200


def _params(sid: str, **changes) -> dict:
    return {
        "AccountSid": TWILIO_SID,
        "MessageSid": sid,
        "From": PHONE,
        "To": TWILIO_NUMBER,
        "Body": "Is my order ready?",
        "NumMedia": "0",
    } | changes


def _post(port, path, params, *, signature=None, headers=None):
    """(status, headers, body) of a webhook signed as Twilio signs it, sent as
    the deployment's TLS proxy forwards it."""
    if signature is None:
        signature = twilio_signature(TWILIO_TOKEN, django_settings.PUBLIC_BASE_URL + path, params)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=urllib.parse.urlencode(params),
            headers={
                "Host": HOST,
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-Proto": "https",
                "X-Twilio-Signature": signature,
            }
            | (headers or {}),
        )
        response = conn.getresponse()
        return response.status, response.headers, response.read()  # names in any case
    finally:
        conn.close()


def _answer(status, headers, body):
    kept = {k.lower(): v for k, v in headers.items() if k.lower() not in FRAMING}
    return status, kept, body


def _row(sid):
    return WebhookDelivery.objects.dangerously_unscoped(reason="test reads").get(
        provider_message_id=sid
    )


def test_a_known_numbers_webhook_is_served_natively_as_the_view_serves_it(tier, sms):
    port, intake = tier
    inbound = fixture("twilio_inbound.json")  # as Twilio sends it, signed by its SDK
    _warm(port)
    first = _post(port, SMS, inbound)
    assert intake.served == 1
    intake.served = 0
    with override_settings(SMS_WEBHOOK_INTAKE=False):  # the same request's twin, by the view
        first = _post(port, SMS, inbound | {"MessageSid": "SM" + "c" * 32})
    assert intake.served == 0
    second_params = inbound | {"MessageSid": "SM" + "b" * 32, "SmsSid": "SM" + "b" * 32}
    second = _post(port, SMS, second_params)
    assert intake.served == 1
    assert first[0] == second[0] == 200
    assert _answer(*first) == _answer(*second)  # same status, headers and TwiML
    assert second[1]["X-Request-ID"] and second[1]["X-Request-ID"] != first[1]["X-Request-ID"]
    by_view, native = _row("SM" + "c" * 32), _row(second_params["MessageSid"])
    fields = ("tenant_id", "provider", "kind", "provider_status", "phone_number_id", "state")
    for name in fields + ("note", "attempts", "message_id"):
        assert getattr(native, name) == getattr(by_view, name), name
    assert native.state == WebhookDelivery.State.PENDING
    assert native.phone_number_id == sms.twilio_number.pk
    assert native.payload == second_params  # under the tenant's key, readable as the view's


def test_a_retried_webhook_is_stored_once(tier):
    port, intake = tier
    _warm(port)
    for _ in range(3):
        status, _headers, body = _post(port, SMS, _params("SM" + "1" * 32))
        assert status == 200 and b"<Response" in body
    assert intake.served == 3
    assert (
        WebhookDelivery.objects.dangerously_unscoped(reason="test reads")
        .filter(provider_message_id="SM" + "1" * 32)
        .count()
        == 1
    )


def test_a_status_callback_is_served_natively(tier, sms):
    port, intake = tier
    status_params = {
        "AccountSid": TWILIO_SID,
        "MessageSid": "SM" + "2" * 32,
        "MessageStatus": "delivered",
        "From": TWILIO_NUMBER,
        "To": PHONE,
    }
    _warm(port, STATUS, From=TWILIO_NUMBER, To=PHONE, MessageStatus="sent")
    later = status_params | {"MessageSid": "SM" + "3" * 32}
    assert _post(port, STATUS, later)[0] == 200
    assert intake.served == 1
    row = _row("SM" + "3" * 32)
    assert (row.kind, row.provider_status) == (DeliveryKind.STATUS, "delivered")


def test_a_wrong_signature_is_refused_by_the_view_and_audited(tier):
    port, intake = tier
    _warm(port)  # the route is now in the book
    forged = _params("SM" + "5" * 32)
    status, headers, body = _post(port, SMS, forged, signature="bm90IGEgc2lnbmF0dXJl")
    assert status == 403 and b"invalid_signature" in body
    assert headers["Content-Type"] == "application/json"
    assert intake.served == 0
    assert not WebhookDelivery.objects.dangerously_unscoped(reason="test reads").filter(
        provider_message_id="SM" + "5" * 32
    )
    assert AuditEvent.objects.dangerously_unscoped(reason="test reads").filter(
        action="sms.webhook_rejected"
    )


def test_the_rate_is_counted_with_the_views_and_exceeding_it_gets_the_views_429(tier, settings):
    port, intake = tier
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"sms_webhook": "4/m"}
    _warm(port)  # the view's, counted
    assert _post(port, SMS, _params("SM" + "7" * 32))[0] == 200  # native, counted
    assert _post(port, SMS, _params("SM" + "8" * 32))[0] == 200  # native, counted
    status, headers, body = _post(port, SMS, _params("SM" + "9" * 32))
    assert (status, intake.served) == (429, 2)
    assert b"rate_limited" in body and int(headers["Retry-After"]) >= 1


def test_a_changed_number_is_obeyed_from_the_next_webhook(tier, sms):
    port, intake = tier
    _warm(port)
    assert _post(port, SMS, _params("SM" + "c" * 32))[0] == 200
    assert intake.served == 1
    sms.twilio_number.delete()  # bumps the routes version on commit
    assert _post(port, SMS, _params("SM" + "d" * 32))[0] == 200
    assert intake.served == 1  # passed on: the view routed it again
    row = _row("SM" + "d" * 32)
    assert (row.phone_number_id, row.state) == (None, WebhookDelivery.State.UNROUTED)


def test_a_request_id_sent_is_kept(tier):
    port, intake = tier
    _warm(port)
    sent = "req-0123456789abcdef"
    _status, headers, _body = _post(
        port, SMS, _params("SM" + "f" * 32), headers={"X-Request-ID": sent}
    )
    assert (intake.served, headers["X-Request-ID"]) == (1, sent)


def test_what_the_view_refuses_is_still_refused(tier, settings):
    port, intake = tier
    _warm(port)  # the route is in the book
    # A host not ours: the view's 400.
    assert _post(port, SMS, _params("SM" + "0b" * 16), headers={"Host": "evil.example"})[0] == 400
    # Not over HTTPS: the view's answer, whatever it is, not the intake's.
    settings.MAX_REQUEST_BODY_BYTES = 10
    assert _post(port, SMS, _params("SM" + "0c" * 16))[0] == 413
    assert intake.served == 0
