"""Webhooks are served in front of the page middleware (instaply.middleware.WebhookFrontMiddleware)."""

import pytest

from channels_sms.models import WebhookDelivery
from channels_sms.tests.conftest import PHONE, TWILIO_NUMBER, TWILIO_SID, twilio_webhook

pytestmark = pytest.mark.django_db

TWILIO_SMS = "/webhooks/twilio/sms/"


def _params(sid: str) -> dict:
    return {
        "AccountSid": TWILIO_SID,
        "MessageSid": sid,
        "From": PHONE,
        "To": TWILIO_NUMBER,
        "Body": "hello",
        "NumMedia": "0",
    }


def test_a_webhook_keeps_the_headers_that_matter_and_skips_the_page_middleware(sms, client):
    client.cookies["sessionid"] = "a-session-a-webhook-has-no-use-for"
    response = twilio_webhook(client, TWILIO_SMS, _params("SM" + "a" * 32))
    assert response.status_code == 200
    assert WebhookDelivery.objects.filter(provider_message_id="SM" + "a" * 32).exists()
    # Kept: request id, security headers, content security policy, no framing.
    assert response["X-Request-ID"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    # Skipped: locale (no Content-Language), sessions and CSRF (nothing varies on cookies).
    assert "Content-Language" not in response
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


def test_the_front_refuses_what_the_stack_refused(sms, client, settings):
    # A path under /webhooks/ that names no webhook: the whole stack's 404.
    assert client.post("/webhooks/twilio/nothing/").status_code == 404
    # A host not ours: 400, as on every other path.
    settings.ALLOWED_HOSTS = ["instaply.example"]
    assert client.post(TWILIO_SMS, headers={"Host": "attacker.example"}).status_code == 400
    # Over the body limit: 413 before anything reads it.
    settings.MAX_REQUEST_BODY_BYTES = 10
    response = client.post(TWILIO_SMS, data="x" * 100, content_type="text/plain")
    assert response.status_code == 413
