"""Twilio through the official SDK."""

import functools
from urllib.parse import urlparse

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator, compare
from twilio.rest import Client

from channels_sms.providers.base import (
    Credentials,
    InboundSms,
    MediaRefused,
    MediaUnavailable,
    SendError,
    StatusReport,
)

# Twilio error codes -> what the inbox says. https://www.twilio.com/docs/api/errors
REASONS = {
    "20003": "The provider refused this account's credentials; check the auth token.",
    "20429": "The provider is rate limiting this account.",
    "20500": "The provider had an internal error.",
    "20503": "The provider was unavailable.",
    "21211": "The recipient's number is not a valid phone number.",
    "21212": "This shop number cannot send SMS.",
    "21266": "The recipient is the shop's own number.",
    "21408": "Sending to this country is not enabled on the provider account.",
    "21602": "The message is empty.",
    "21606": "This shop number is not an SMS-capable number of the provider account.",
    "21610": "The recipient replied STOP to this number; nothing can be sent until START.",
    "21612": "The provider cannot route a message to this number.",
    "21614": "The recipient's number is not a mobile number that can receive SMS.",
    "21617": "The message is longer than the provider accepts (1600 characters).",
    "30003": "The recipient's phone is unreachable (switched off or out of coverage).",
    "30004": "The message was blocked by the recipient or their carrier.",
    "30005": "The recipient's number is unknown to their carrier.",
    "30006": "The recipient's number is a landline or cannot receive SMS.",
    "30007": "The recipient's carrier filtered the message as spam.",
    "30008": "The carrier could not deliver the message (unknown error).",
}
TRANSIENT_HTTP = frozenset({408, 429, 500, 502, 503, 504})

# Twilio's message statuses -> ours ("" when the report changes nothing here).
STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}


def reason_for(code: str) -> str:
    return REASONS.get(code, f"The provider refused the message (Twilio error {code}).")


@functools.lru_cache(maxsize=128)
def _client(provider, account_sid: str, auth_token: str, transport: str, timeout: float) -> Client:
    # One client (and its pooled HTTP session) per account, transport and process.
    return Client(
        account_sid,
        auth_token,
        account_sid=account_sid,
        http_client=provider.http_client(transport, timeout),
        environment={},
    )


class TwilioProvider:
    kind = "twilio"

    def transport(self) -> str:
        """Where the SDK's requests go: "" for Twilio itself. The one seam a stand-in
        registered for development (settings.SMS_PROVIDERS) overrides."""
        return ""

    def http_client(self, transport: str, timeout: float) -> TwilioHttpClient:
        return TwilioHttpClient(timeout=timeout)

    def client(self, credentials: Credentials) -> Client:
        return _client(
            self,
            credentials.account_ref,
            credentials.secret,
            self.transport(),
            float(settings.SMS_PROVIDER_TIMEOUT_SECONDS),
        )

    def send(self, *, credentials, number, to, body, media, status_callback, reference) -> str:
        fields = {"to": to, "body": body, "status_callback": status_callback}
        if media:
            fields["media_url"] = [item["url"] for item in media]
        if number.messaging_service_sid:
            fields["messaging_service_sid"] = number.messaging_service_sid
        else:
            fields["from_"] = number.number
        try:
            return self.client(credentials).messages.create(**fields).sid
        except TwilioRestException as error:
            code = str(error.code or error.status)
            transient = error.status in TRANSIENT_HTTP
            raise SendError(transient=transient, code=code, reason=reason_for(code)) from None
        except requests.Timeout:
            raise SendError(
                transient=True, code="timeout", reason="The provider did not answer in time."
            ) from None
        except (requests.RequestException, TwilioException) as error:
            raise SendError(
                transient=True,
                code="network",
                reason=f"The provider could not be reached ({type(error).__name__}).",
            ) from None

    def signature_valid(self, *, credentials, url, params, signature) -> bool:
        # The SDK's validator: every parameter received, the exact URL called
        # (it also tries the URL with and without the default port).
        if not signature:
            return False
        validator = RequestValidator(credentials.secret)
        # The SDK computes both forms of the URL on every request: the form
        # called is tried first, alone, with the SDK's own signing and
        # comparison; a miss goes to the SDK's full check, so what is accepted
        # is exactly what the SDK accepts.
        exact = "?" not in url and urlparse(url).geturl() == url  # a form the SDK tries
        if exact and compare(validator.compute_signature(url, params), signature):
            return True
        return validator.validate(url, params, signature)

    def inbound(self, params: dict) -> InboundSms:
        media = []
        for index in range(_count(params.get("NumMedia"))):
            url = params.get(f"MediaUrl{index}", "")
            if url:
                media.append(
                    {"url": url, "content_type": params.get(f"MediaContentType{index}", "")}
                )
        return InboundSms(
            provider_message_id=params.get("MessageSid") or params.get("SmsSid", ""),
            sender=params.get("From", ""),
            recipient=params.get("To", ""),
            body=params.get("Body", ""),
            media=media,
        )

    def media_location(self, url: str) -> str:
        """Where a media URL of an inbound MMS is fetched: only Twilio's own API
        host, over HTTPS (a webhook is signed, and still its URL is not followed
        anywhere else). Raises MediaRefused otherwise."""
        parts = urlparse(url)
        if parts.scheme != "https" or parts.hostname != "api.twilio.com":
            raise MediaRefused("The media URL is not Twilio's.")
        return url

    def media_fetch(self, *, credentials, url: str, limit: int) -> bytes:
        """The bytes of one media item of an inbound MMS, fetched with the
        account's credentials (HTTP Basic, as Twilio's media URLs require when
        HTTP authentication for media is on), at most ``limit`` bytes."""
        location = self.media_location(url)
        timeout = float(settings.SMS_PROVIDER_TIMEOUT_SECONDS)
        with requests.Session() as session:
            session.trust_env = not self.transport()  # loopback: no proxy
            try:
                response = session.get(
                    location,
                    auth=(credentials.account_ref, credentials.secret),
                    timeout=timeout,
                    stream=True,
                    allow_redirects=True,  # Twilio redirects to its CDN, without our auth
                )
            except requests.RequestException as error:
                raise MediaUnavailable(type(error).__name__) from None
            with response:
                if response.status_code in TRANSIENT_HTTP:
                    raise MediaUnavailable(f"HTTP {response.status_code}")
                if response.status_code != 200:
                    raise MediaRefused(f"The provider answered HTTP {response.status_code}.")
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > limit:
                        raise MediaRefused("too_large")
                return bytes(data)

    def status(self, params: dict) -> StatusReport:
        code = params.get("ErrorCode", "")
        status = STATUSES.get(params.get("MessageStatus", "").lower(), "")
        failed = status in ("undelivered", "failed")
        return StatusReport(
            provider_message_id=params.get("MessageSid") or params.get("SmsSid", ""),
            status=status,
            error_code=code if failed else "",
            reason=reason_for(code) if failed and code else "",
        )


def _count(value) -> int:
    try:
        return max(0, min(int(value or 0), 10))  # Twilio sends at most 10 media
    except ValueError:
        return 0
