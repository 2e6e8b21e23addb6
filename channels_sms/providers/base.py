"""What every SMS provider offers the rest of the platform, and nothing more.

A provider sends a text and says, on failure, whether trying again can help
(``SendError.transient``) with a reason a person can read in the inbox. It
checks a webhook's signature and reads the webhook's parameters into
``InboundSms`` or ``StatusReport``. Nothing here touches the database.
"""

from dataclasses import dataclass, field
from typing import Protocol

from instaply.errors import Invalid


@dataclass(frozen=True)
class Credentials:
    """The account reference (Twilio AccountSid, Vonage API key) and its secrets."""

    account_ref: str
    secret: str
    signature_secret: str = ""
    signature_method: str = "sha256"

    def __repr__(self) -> str:  # secrets never reach a log line or a traceback
        return f"Credentials(account_ref={self.account_ref!r})"


@dataclass(frozen=True)
class Concatenation:
    reference: str
    total: int
    part: int


@dataclass(frozen=True)
class InboundSms:
    provider_message_id: str
    sender: str  # E.164
    recipient: str  # E.164, our number
    body: str
    media: list[dict] = field(default_factory=list)  # [{"url", "content_type"}]
    concatenation: Concatenation | None = None


@dataclass(frozen=True)
class StatusReport:
    provider_message_id: str
    # A conversations Message.Status, or "" when the report changes nothing.
    status: str
    error_code: str = ""
    reason: str = ""
    # Our message id when the provider echoes it back (Vonage client-ref).
    message_ref: str = ""


class SendError(Exception):
    """A send that did not go through. ``reason`` is ours, never the provider's
    text (which may quote the recipient's number)."""

    def __init__(self, *, transient: bool, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.transient = transient
        self.code = code
        self.reason = reason


class MediaRefused(Exception):
    """A media item of an inbound MMS that will not be fetched (not the
    provider's URL, refused by the provider, too large): kept as refused."""


class MediaUnavailable(Exception):
    """The provider could not serve a media item now: fetched again later."""


class Provider(Protocol):
    kind: str

    def send(
        self,
        *,
        credentials: Credentials,
        number,
        to: str,
        body: str,
        media: list[dict],
        status_callback: str,
        reference: str,
    ) -> str:
        """Hands one text over; returns the provider's message id or raises SendError."""

    def signature_valid(
        self, *, credentials: Credentials, url: str, params, signature: str
    ) -> bool: ...

    def inbound(self, params: dict) -> InboundSms: ...

    def status(self, params: dict) -> StatusReport: ...

    def media_fetch(self, *, credentials: Credentials, url: str, limit: int) -> bytes:
        """The bytes of an inbound MMS's media item, or MediaRefused / MediaUnavailable."""


class UnavailableProvider:
    """A kind this deployment does not register (settings.SMS_PROVIDERS): nothing is
    sent through it and no webhook of it is trusted."""

    def __init__(self, kind: str):
        self.kind = kind

    def send(self, **kwargs) -> str:
        raise SendError(
            transient=False,
            code="provider_unavailable",
            reason="This number's SMS provider is not available on this platform.",
        )

    def signature_valid(self, **kwargs) -> bool:
        return False

    def inbound(self, params: dict) -> InboundSms:
        raise self._unavailable()

    def status(self, params: dict) -> StatusReport:
        raise self._unavailable()

    def media_fetch(self, **kwargs) -> bytes:
        raise MediaRefused("This provider is not available on this platform.")

    def _unavailable(self) -> Invalid:
        # Kept as failed, for replay once the provider is available again.
        return Invalid(f"The SMS provider {self.kind!r} is not available on this platform.")
