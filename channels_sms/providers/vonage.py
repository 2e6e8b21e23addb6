"""Vonage's SMS API through the official SDK.

Sends authenticate with the API key and secret, never with the signature
secret: vonage 4.9's ``Sms.send`` signs fields it then does not send, so a
signed send is refused (test_sms_send_signs_fields_it_never_sends pins it). The
signature secret only checks webhooks, with the account's method: the SDK's own
HMAC check, or Vonage's documented MD5-hash recipe, which the SDK does not
implement.
"""

import functools
import hashlib
import hmac
import re

import requests
from django.conf import settings
from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client.errors import (
    AuthenticationError,
    HttpRequestError,
    RateLimitedError,
    ServerError,
)
from vonage_sms import SmsMessage
from vonage_sms.errors import PartialFailureError, SmsError

from channels_sms.providers.base import (
    Concatenation,
    Credentials,
    InboundSms,
    MediaRefused,
    SendError,
    StatusReport,
)
from channels_sms.segments import encoding

# SMS API send statuses -> (transient?, reason). https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms
SEND_STATUSES = {
    "1": (True, "The provider is throttling this account."),
    "2": (False, "The provider said a required field was missing."),
    "3": (False, "The recipient's number or the message is not valid."),
    "4": (False, "The provider refused this account's credentials; check the API secret."),
    "5": (True, "The provider had an internal error."),
    "6": (False, "The provider cannot route a message to this number."),
    "7": (False, "The recipient's number is barred (they opted out or the carrier blocks it)."),
    "8": (False, "The provider account is barred."),
    "9": (False, "The provider account is out of credit."),
    "10": (True, "The provider has too many connections open for this account."),
    "12": (False, "The message is too long."),
    "14": (False, "The provider refused the request signature."),
    "15": (False, "This shop number is not allowed to send SMS."),
    "22": (False, "The recipient's network is not known to the provider."),
    "23": (False, "The provider refused the delivery-receipt address."),
    "29": (False, "The recipient is not on the test account's allowed numbers."),
    "33": (False, "The recipient's number was deactivated."),
}
# Delivery-receipt err-codes -> reason.
DLR_REASONS = {
    "1": "The carrier reported an unknown error.",
    "2": "The recipient's phone is unreachable for now (switched off or out of coverage).",
    "3": "The recipient's number is no longer in service.",
    "4": "The recipient has barred incoming messages.",
    "5": "The number was ported and could not be reached.",
    "6": "The recipient's carrier filtered the message as spam.",
    "7": "The recipient's phone was busy.",
    "8": "The recipient's network had an error.",
    "9": "The recipient's number is not valid.",
    "10": "The carrier refused the message content.",
    "11": "The carrier cannot route a message to this number.",
    "12": "The recipient's number is unreachable.",
    "13": "The recipient is below the age this content needs.",
    "14": "The recipient's carrier blocks this number.",
    "15": "The recipient's prepaid account has no credit.",
    "99": "The carrier could not deliver the message.",
}
# DLR statuses -> ours ("" for unknown: changes nothing).
STATUSES = {
    "accepted": "sent",
    "buffered": "sent",
    "delivered": "delivered",
    "expired": "undelivered",
    "failed": "undelivered",
    "rejected": "failed",
}
_ERROR_CODE = re.compile(r"error code (\d+)")


def e164(digits: str) -> str:
    """Vonage writes numbers without their `+`."""
    digits = (digits or "").strip()
    return digits if digits.startswith("+") or not digits else "+" + digits


@functools.lru_cache(maxsize=128)
def _client(provider, api_key: str, api_secret: str, transport: str, timeout: int) -> Vonage:
    # One client (and its pooled HTTP session) per account, transport and process.
    client = Vonage(
        Auth(api_key=api_key, api_secret=api_secret), HttpClientOptions(timeout=timeout)
    )
    return provider.connected(client, transport)


class VonageProvider:
    kind = "vonage"

    def transport(self) -> str:
        """Where the SDK's requests go: "" for Vonage itself. The one seam a stand-in
        registered for development (settings.SMS_PROVIDERS) overrides."""
        return ""

    def connected(self, client: Vonage, transport: str) -> Vonage:
        return client

    def client(self, credentials: Credentials) -> Vonage:
        return _client(
            self,
            credentials.account_ref,
            credentials.secret,
            self.transport(),
            int(settings.SMS_PROVIDER_TIMEOUT_SECONDS),
        )

    def send(self, *, credentials, number, to, body, media, status_callback, reference) -> str:
        if media:
            raise SendError(
                transient=False, code="no_media", reason="Vonage SMS numbers cannot send pictures."
            )
        fields = {
            "to": to.lstrip("+"),
            "from_": number.number.lstrip("+"),
            "text": body,
            "client_ref": reference,
            "status_report_req": True,
            "type": "unicode" if encoding(body) == "ucs2" else "text",
        }
        if len(status_callback) <= 100:  # the API's limit; else the account's DLR URL applies
            fields["callback"] = status_callback
        try:
            response = self.client(credentials).sms.send(SmsMessage(**fields))
        except PartialFailureError as error:
            raise _partial(error.response) from None
        except SmsError as error:
            match = _ERROR_CODE.search(str(error))
            raise _refusal(match.group(1) if match else "unknown") from None
        except RateLimitedError:
            raise SendError(transient=True, code="429", reason=SEND_STATUSES["1"][1]) from None
        except ServerError as error:
            code = str(error.response.status_code)
            raise SendError(transient=True, code=code, reason=SEND_STATUSES["5"][1]) from None
        except AuthenticationError:
            raise SendError(transient=False, code="401", reason=SEND_STATUSES["4"][1]) from None
        except HttpRequestError as error:
            code = str(error.response.status_code)
            raise SendError(
                transient=False,
                code=code,
                reason=f"The provider refused the request (HTTP {code}).",
            ) from None
        except requests.Timeout:
            raise SendError(
                transient=True, code="timeout", reason="The provider did not answer in time."
            ) from None
        except requests.RequestException as error:
            raise SendError(
                transient=True,
                code="network",
                reason=f"The provider could not be reached ({type(error).__name__}).",
            ) from None
        return response.messages[0].message_id

    def signature_valid(self, *, credentials, url, params, signature) -> bool:
        if not signature or not credentials.signature_secret:
            return False
        unsigned = {name: value for name, value in params.items() if name != "sig"}
        if credentials.signature_method == "md5hash":
            # Vonage's documented recipe: MD5 of the signing string and the secret.
            data = _signing_string(unsigned) + credentials.signature_secret
            expected = hashlib.md5(data.encode(), usedforsecurity=False).hexdigest()
            return hmac.compare_digest(expected, signature.lower())
        auth = Auth(
            api_key=credentials.account_ref,
            signature_secret=credentials.signature_secret,
            signature_method=credentials.signature_method,
        )
        # The SDK lower-cases the received sig; Vonage sends HMACs in upper case.
        return auth.check_signature({**unsigned, "sig": signature})

    def inbound(self, params: dict) -> InboundSms:
        concatenation = None
        if str(params.get("concat", "")).lower() == "true":
            concatenation = Concatenation(
                reference=str(params.get("concat-ref", ""))[:16],
                total=_number(params.get("concat-total")),
                part=_number(params.get("concat-part")),
            )
        return InboundSms(
            provider_message_id=str(params.get("messageId", "")),
            sender=e164(str(params.get("msisdn", ""))),
            recipient=e164(str(params.get("to", ""))),
            body=str(params.get("text", "")),
            concatenation=concatenation,
        )

    def media_fetch(self, **kwargs) -> bytes:
        # Our Vonage numbers use the SMS API, which carries text only: an
        # inbound SMS never names media (docs/channels.md, Attachments).
        raise MediaRefused("Vonage SMS numbers do not receive media.")

    def status(self, params: dict) -> StatusReport:
        status = STATUSES.get(str(params.get("status", "")).lower(), "")
        code = str(params.get("err-code", "") or "")
        failed = status in ("undelivered", "failed")
        return StatusReport(
            provider_message_id=str(params.get("messageId", "")),
            status=status,
            error_code=code if failed else "",
            reason=DLR_REASONS.get(code, "The carrier could not deliver the message.")
            if failed
            else "",
            message_ref=str(params.get("client-ref", "")),
        )


def _signing_string(params: dict) -> str:
    return "".join(
        f"&{name}={str(params[name]).replace('&', '_').replace('=', '_')}"
        for name in sorted(params)
    )


def _refusal(status: str) -> SendError:
    transient, reason = SEND_STATUSES.get(
        status, (False, f"The provider refused the message (Vonage status {status}).")
    )
    return SendError(transient=transient, code=status, reason=reason)


def _partial(response: dict) -> SendError:
    # Some parts left, others did not: retrying would send those parts twice.
    statuses = [m.get("status") for m in response.get("messages", []) if m.get("status") != "0"]
    error = _refusal(statuses[0] if statuses else "unknown")
    return SendError(
        transient=False,
        code=error.code,
        reason="Only part of the message was sent. " + error.reason,
    )


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
