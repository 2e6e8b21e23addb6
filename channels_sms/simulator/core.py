"""The simulator without its HTTP front: state, timeline scheduler, webhook calls.

`SimulatorServer` (server.py) serves this over HTTP; the provider modules and the
control API all act on one `Simulator`.
"""

import secrets

from channels_sms.simulator.delivery import Scheduler, SignedWebhook, send_webhook
from channels_sms.simulator.phones import e164
from channels_sms.simulator.signing import VONAGE_SIGNATURE_METHODS
from channels_sms.simulator.state import PROVIDERS, Account, Delivery, SimulatorState

WEBHOOK_METHODS = {"twilio": ("POST", "GET"), "vonage": ("POST", "GET", "POST-JSON")}


class SimulatorError(ValueError):
    """Bad input to the control API: answered with 400 and this message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class Simulator:
    def __init__(self, *, status_delay: float = 0.05, callback_workers: int = 8):
        self.state = SimulatorState()
        self.state.status_delay = status_delay
        # Where this simulator is reached (set by its HTTP server): the media URLs
        # of inbound MMS point there, as Twilio's point at api.twilio.com.
        self.base_url = ""
        # Media of inbound MMS: media sid -> (account sid, message sid, type, bytes).
        self.media: dict[str, tuple[str, str, str, bytes]] = {}
        self.scheduler = Scheduler(workers=callback_workers)

    def close(self):
        self.scheduler.stop()

    def deliver(
        self, *, kind: str, provider: str, message_sid: str, webhook: SignedWebhook
    ) -> Delivery:
        """Sends one webhook request now and records it with its answer."""
        answer = send_webhook(webhook)
        return self.state.record_delivery(
            kind=kind,
            provider=provider,
            message_sid=message_sid,
            url=webhook.url,
            method=webhook.method,
            params=dict(webhook.params),
            headers=dict(webhook.headers),
            status=answer.status,
            body=answer.body,
            error=answer.error,
        )

    def add_account(self, **fields) -> Account:
        """Registers (or replaces) a provider account. Twilio: `account_sid`,
        `auth_token`; Vonage: `api_key`, `api_secret`. Missing credentials are
        generated, in the provider's format."""
        provider = fields.pop("provider", "twilio")
        if provider not in PROVIDERS:
            raise SimulatorError(f"provider must be one of {', '.join(PROVIDERS)}")
        if provider == "twilio":
            sid = fields.pop("account_sid", None) or "AC" + secrets.token_hex(16)
            secret = fields.pop("auth_token", None) or secrets.token_hex(16)
        else:
            sid = fields.pop("api_key", None) or secrets.token_hex(4)
            secret = fields.pop("api_secret", None) or secrets.token_urlsafe(12)
        method = fields.get("webhook_method", "POST").upper()
        if method not in WEBHOOK_METHODS[provider]:
            raise SimulatorError(f"webhook_method for {provider}: {WEBHOOK_METHODS[provider]}")
        fields["webhook_method"] = method
        if fields.get("signature_method", "md5hash") not in VONAGE_SIGNATURE_METHODS:
            raise SimulatorError(f"signature_method must be one of {VONAGE_SIGNATURE_METHODS}")
        fields["numbers"] = _numbers(fields.get("numbers", []))
        fields["messaging_services"] = {
            service: _numbers(pool)
            for service, pool in fields.get("messaging_services", {}).items()
        }
        try:
            account = Account(provider=provider, sid=sid, secret=secret, **fields)
        except TypeError as error:
            raise SimulatorError(f"unknown account field: {error}") from None
        return self.state.add_account(account)

    def account_for(self, provider: str, *, sid: str | None = None, number: str | None = None):
        """The account named by `sid`, else the one owning `number`, else the only one."""
        if sid:
            account = self.state.account(provider, sid)
            if account is None:
                raise SimulatorError(f"no {provider} account {sid}", status=404)
            return account
        accounts = self.state.accounts(provider)
        owners = [a for a in accounts if number and a.owns(number)]
        if len(owners) == 1:
            return owners[0]
        if len(accounts) == 1 and not owners:
            return accounts[0]
        raise SimulatorError(
            f"cannot tell which {provider} account receives texts to {number}: "
            "name it (account_sid / api_key) or register the number on one account",
            status=404,
        )


def _numbers(values) -> list[str]:
    numbers = []
    for value in values:
        number = e164(value)
        if number is None:
            raise SimulatorError(f"not a phone number: {value!r}")
        numbers.append(number)
    return numbers
