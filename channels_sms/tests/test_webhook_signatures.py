"""Webhook signatures: genuine ones (made by the SDKs' own code and by each
provider's documented recipe) pass; forged, tampered and missing ones get a 403
and an audit event, and nothing is stored."""

import datetime as dt
import urllib.parse

import pytest
import time_machine
from django.conf import settings

from audit.models import AuditEvent
from channels_sms.models import UnroutedDelivery, WebhookDelivery
from channels_sms.simulator import twilio_signature, vonage_sign
from channels_sms.tests.conftest import (
    SERVICE_NUMBER,
    TWILIO_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    VONAGE_SIGNATURE_SECRET,
    fixture,
    twilio_webhook,
    vonage_webhook,
)
from channels_sms.tests.simulator_support import (
    documented_twilio_signature,
    documented_vonage_signature,
)

pytestmark = pytest.mark.django_db

TWILIO_SMS, TWILIO_STATUS = "/webhooks/twilio/sms/", "/webhooks/twilio/status/"
VONAGE_SMS, VONAGE_STATUS = "/webhooks/vonage/sms/", "/webhooks/vonage/status/"
METHODS = ["md5hash", "md5", "sha1", "sha256", "sha512"]


def _rejections():
    return list(
        AuditEvent.objects.filter(action="sms.webhook_rejected").values_list(
            "tenant_id", "outcome", "metadata"
        )
    )


def _refused(response, sms, *, reason: str, provider: str, endpoint: str = "sms", tenant=True):
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    assert WebhookDelivery.objects.count() == 0 and UnroutedDelivery.objects.count() == 0
    assert _rejections() == [
        (
            sms.tenant.id if tenant else None,
            "denied",
            {"provider": provider, "endpoint": endpoint, "reason": reason},
        )
    ]


# Twilio


def test_a_genuine_twilio_signature_is_accepted_and_answered_with_empty_twiml(client, sms):
    response = twilio_webhook(client, TWILIO_SMS, fixture("twilio_inbound.json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.decode().endswith("<Response />")
    assert WebhookDelivery.objects.get().provider_message_id == "SM0123456789abcdef0123456789abcdef"
    assert _rejections() == []


def test_a_signature_made_by_twilios_documented_recipe_is_accepted(client, sms):
    params = fixture("twilio_inbound.json")
    url = settings.PUBLIC_BASE_URL + TWILIO_SMS
    signature = documented_twilio_signature(TWILIO_TOKEN, url, params)
    assert signature == twilio_signature(TWILIO_TOKEN, url, params)
    assert twilio_webhook(client, TWILIO_SMS, params, signature=signature).status_code == 200


def test_a_forged_twilio_signature_is_refused_and_audited(client, sms):
    response = twilio_webhook(
        client, TWILIO_SMS, fixture("twilio_inbound.json"), token="not-the-auth-token"
    )
    _refused(response, sms, reason="invalid_signature", provider="twilio")


def test_a_tampered_twilio_request_is_refused(client, sms):
    params = fixture("twilio_inbound.json")
    signature = twilio_signature(TWILIO_TOKEN, settings.PUBLIC_BASE_URL + TWILIO_SMS, params)
    params["Body"] = "STOP"
    response = twilio_webhook(client, TWILIO_SMS, params, signature=signature)
    _refused(response, sms, reason="invalid_signature", provider="twilio")


def test_a_parameter_added_after_signing_is_refused(client, sms):
    params = fixture("twilio_inbound.json")
    signature = twilio_signature(TWILIO_TOKEN, settings.PUBLIC_BASE_URL + TWILIO_SMS, params)
    response = twilio_webhook(client, TWILIO_SMS, params | {"Extra": "1"}, signature=signature)
    _refused(response, sms, reason="invalid_signature", provider="twilio")


def test_a_missing_twilio_signature_is_refused_before_anything_else(
    client, sms, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):  # the audit event, nothing else
        response = twilio_webhook(client, TWILIO_SMS, fixture("twilio_inbound.json"), signature="")
    assert response.status_code == 403
    assert _rejections()[0][2]["reason"] == "missing_signature"
    assert WebhookDelivery.objects.count() == 0


def test_a_signature_over_another_url_is_refused(client, sms):
    """Validation is against our public URL, not the Host header a caller sends."""
    params = fixture("twilio_inbound.json")
    signature = twilio_signature(TWILIO_TOKEN, "https://attacker.example" + TWILIO_SMS, params)
    response = twilio_webhook(client, TWILIO_SMS, params, signature=signature)
    _refused(response, sms, reason="invalid_signature", provider="twilio")


def test_the_public_url_keeps_the_query_string_the_provider_called(client, sms):
    params = fixture("twilio_inbound.json")
    path = TWILIO_SMS + "?source=console"
    signature = twilio_signature(TWILIO_TOKEN, settings.PUBLIC_BASE_URL + path, params)
    response = client.post(
        path,
        data=urllib.parse.urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 200


def test_a_request_for_an_account_we_do_not_know_cannot_be_checked(client, sms):
    params = fixture("twilio_inbound.json") | {"AccountSid": "AC" + "9" * 32}
    response = twilio_webhook(client, TWILIO_SMS, params)
    _refused(response, sms, reason="unknown_account", provider="twilio", tenant=False)


def test_the_platform_secret_answers_only_for_the_platform_account(client, sms, settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "7" * 32, "platform-token"
    params = fixture("twilio_inbound.json") | {"AccountSid": "AC" + "9" * 32, "To": "+15017122690"}
    response = twilio_webhook(client, TWILIO_SMS, params, token="platform-token")
    _refused(response, sms, reason="unknown_account", provider="twilio", tenant=False)


def test_twilio_status_callbacks_are_checked_too(client, sms):
    params = fixture("twilio_status_delivered.json")
    forged = twilio_webhook(client, TWILIO_STATUS, params, token="wrong")
    _refused(forged, sms, reason="invalid_signature", provider="twilio", endpoint="status")
    assert twilio_webhook(client, TWILIO_STATUS, params).status_code == 200


def test_twilio_webhooks_are_post_only_with_a_json_error(client, sms):
    response = client.get(TWILIO_SMS)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_forged_requests_beyond_the_rate_are_refused_without_more_audit_rows(
    fresh_rate_window, client, sms, settings
):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"sms_webhook_denied": "2/m"}
    params = fixture("twilio_inbound.json")
    statuses = [
        twilio_webhook(client, TWILIO_SMS, params, token="wrong").status_code for _ in range(4)
    ]
    assert statuses == [403, 403, 429, 429]
    assert len(_rejections()) == 2


def test_forged_requests_count_per_address_so_one_flood_does_not_silence_others(
    client, sms, settings, frozen_clock
):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"sms_webhook_denied": "2/m"}
    params = fixture("twilio_inbound.json")

    def forged(ip):
        return client.post(
            TWILIO_SMS,
            data=urllib.parse.urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": "forged"},
            REMOTE_ADDR=ip,
        ).status_code

    assert [forged("203.0.113.7") for _ in range(3)] == [403, 403, 429]
    assert forged("198.51.100.4") == 403  # another address is still heard and audited
    assert len(_rejections()) == 3


@pytest.fixture
def frozen_clock():
    # The limit counts in fixed windows: a window ending mid-test would reset it.
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC), tick=False):
        yield


def _twilio_text(sid: str, to: str = TWILIO_NUMBER) -> dict:
    return fixture("twilio_inbound.json") | {"MessageSid": sid, "SmsSid": sid, "To": to}


def test_genuine_webhooks_beyond_the_rate_of_one_number_are_refused(
    client, sms, settings, frozen_clock
):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"sms_webhook": "2/m"}
    statuses = [
        twilio_webhook(client, TWILIO_SMS, _twilio_text(f"SM{n:032x}")).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert WebhookDelivery.objects.count() == 2  # the refused one is not stored
    refused = twilio_webhook(client, TWILIO_SMS, _twilio_text("SM" + "f" * 32))
    assert refused.json()["error"]["code"] == "rate_limited" and int(refused["Retry-After"]) > 0
    assert _rejections() == []  # genuine, so not a signature failure
    # Another number of the same account and the same caller counts apart.
    other = _twilio_text("SM" + "e" * 32, to=SERVICE_NUMBER) | {"MessagingServiceSid": ""}
    assert twilio_webhook(client, TWILIO_SMS, other).status_code == 200


def test_vonage_webhooks_are_limited_per_number_too(client, sms, settings, frozen_clock):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"sms_webhook": "2/m"}
    statuses = [
        vonage_webhook(
            client, VONAGE_SMS, fixture("vonage_inbound.json") | {"messageId": f"0A{n:014X}"}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [204, 204, 429]
    assert WebhookDelivery.objects.count() == 2


# Vonage


@pytest.mark.parametrize("method", METHODS)
def test_genuine_vonage_signatures_of_every_method_are_accepted(client, sms, method):
    sms.vonage.signature_method = method
    sms.vonage.save(update_fields=["signature_method"])
    # Signed by the simulator: the vonage SDK's Auth.sign_params for the HMACs
    # (upper-case hex, as Vonage sends them), the documented recipe for md5hash.
    response = vonage_webhook(client, VONAGE_SMS, fixture("vonage_inbound.json"), method=method)
    assert response.status_code == 204
    assert WebhookDelivery.objects.get().provider_message_id == "0A0000001234ABCD"


@pytest.mark.parametrize("method", METHODS)
def test_vonage_signatures_by_the_documented_recipe_are_accepted(client, sms, method):
    sms.vonage.signature_method = method
    sms.vonage.save(update_fields=["signature_method"])
    params = fixture("vonage_inbound.json") | {"timestamp": "1738232109", "nonce": "abc123"}
    params["sig"] = documented_vonage_signature(params, VONAGE_SIGNATURE_SECRET, method)
    assert params["sig"] == params["sig"].lower()  # case must not matter
    response = vonage_webhook(client, VONAGE_SMS, params, sign=False)
    assert response.status_code == 204


@pytest.mark.parametrize("http_method", ["GET", "POST", "POST-JSON"])
def test_vonage_webhooks_arrive_by_get_form_post_or_json(client, sms, http_method):
    response = vonage_webhook(
        client, VONAGE_SMS, fixture("vonage_inbound.json"), http_method=http_method
    )
    assert response.status_code == 204
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("method", ["md5hash", "sha256"])
def test_a_forged_vonage_signature_is_refused_and_audited(client, sms, method):
    sms.vonage.signature_method = method
    sms.vonage.save(update_fields=["signature_method"])
    response = vonage_webhook(
        client, VONAGE_SMS, fixture("vonage_inbound.json"), secret="wrong", method=method
    )
    _refused(response, sms, reason="invalid_signature", provider="vonage")


def test_a_tampered_vonage_request_is_refused(client, sms):
    signed = vonage_sign(fixture("vonage_inbound.json"), VONAGE_SIGNATURE_SECRET, "sha256")
    signed["text"] = "STOP"
    response = vonage_webhook(client, VONAGE_SMS, signed, sign=False)
    _refused(response, sms, reason="invalid_signature", provider="vonage")


def test_a_signature_of_another_method_is_refused(client, sms):
    response = vonage_webhook(client, VONAGE_SMS, fixture("vonage_inbound.json"), method="sha512")
    _refused(response, sms, reason="invalid_signature", provider="vonage")


def test_a_missing_vonage_signature_is_refused(client, sms):
    response = vonage_webhook(client, VONAGE_SMS, fixture("vonage_inbound.json"), sign=False)
    assert response.status_code == 403
    assert _rejections()[0][2]["reason"] == "missing_signature"


def test_a_vonage_text_to_a_number_of_our_account_we_do_not_know_is_kept(client, sms):
    params = fixture("vonage_inbound.json") | {"to": "447700900999"}  # not one of ours
    assert vonage_webhook(client, VONAGE_SMS, params).status_code == 204
    event = WebhookDelivery.objects.get()
    assert (event.tenant_id, event.state) == (sms.tenant.id, "unrouted")
    assert _rejections() == []


def test_vonage_delivery_receipts_are_checked_too(client, sms):
    params = fixture("vonage_dlr_delivered.json")
    forged = vonage_webhook(client, VONAGE_STATUS, params, secret="wrong")
    _refused(forged, sms, reason="invalid_signature", provider="vonage", endpoint="status")
    assert vonage_webhook(client, VONAGE_STATUS, params).status_code == 204


@pytest.mark.parametrize(
    ("url", "signed_over", "valid"),
    [
        ("https://instaply.example/webhooks/twilio/sms/", None, True),
        # The SDK also accepts the URL with its default port, either way round.
        ("https://instaply.example/webhooks/twilio/sms/", "https://instaply.example:443", True),
        ("https://instaply.example:443/webhooks/twilio/sms/", "https://instaply.example", True),
        ("https://instaply.example/webhooks/twilio/sms/", "https://instaply.example:8443", False),
        ("https://instaply.example/webhooks/twilio/sms/", "https://other.example", False),
    ],
)
def test_the_twilio_check_accepts_exactly_what_the_sdk_accepts(url, signed_over, valid):
    """The URL called is tried alone first (one HMAC instead of the SDK's two); the
    answer is the SDK's own validator's in every case."""
    from twilio.request_validator import RequestValidator

    from channels_sms.providers.base import Credentials
    from channels_sms.providers.twilio import TwilioProvider

    params = fixture("twilio_inbound.json")
    signing_url = url if signed_over is None else signed_over + urllib.parse.urlsplit(url).path
    signature = twilio_signature(TWILIO_TOKEN, signing_url, params)
    credentials = Credentials(TWILIO_SID, TWILIO_TOKEN)
    ours = TwilioProvider().signature_valid(
        credentials=credentials, url=url, params=params, signature=signature
    )
    assert ours == RequestValidator(TWILIO_TOKEN).validate(url, params, signature) == valid
