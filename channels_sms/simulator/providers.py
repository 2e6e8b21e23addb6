"""The simulator's stand-ins for the platform's providers (development and tests).

settings.SMS_PROVIDERS registers them outside production: while SMS_SIMULATOR_URL
is set, every SMS, Twilio and Vonage numbers' included, goes to the simulator
through the real SDKs (clients.py); unset, they are the real providers. The
"simulator" kind speaks Twilio's protocol and only ever reaches the simulator.

The one module of this package that needs Django: the simulator itself runs
without it.
"""

from django.conf import settings

from channels_sms.providers.base import MediaRefused, SendError
from channels_sms.providers.twilio import TwilioProvider
from channels_sms.providers.vonage import VonageProvider
from channels_sms.simulator.clients import TwilioSimulatorHttpClient, point_vonage_at_simulator


class SimulatedTwilioProvider(TwilioProvider):
    def transport(self) -> str:
        return settings.SMS_SIMULATOR_URL

    def http_client(self, transport: str, timeout: float):
        if not transport:
            return super().http_client(transport, timeout)
        return TwilioSimulatorHttpClient(transport, timeout=timeout)

    def media_location(self, url: str) -> str:
        """The simulator serves media at its own loopback address (as Twilio does
        at api.twilio.com, with the account's Basic credentials): only there."""
        transport = self.transport()
        if not transport:
            return super().media_location(url)
        if not url.startswith(transport + "/"):
            raise MediaRefused("The media URL is not the simulator's.")
        return url


class SimulatedVonageProvider(VonageProvider):
    def transport(self) -> str:
        return settings.SMS_SIMULATOR_URL

    def connected(self, client, transport: str):
        return point_vonage_at_simulator(client, transport) if transport else client


class SimulatorProvider(SimulatedTwilioProvider):
    """Our provider simulator: Twilio's protocol at SMS_SIMULATOR_URL, nowhere else."""

    kind = "simulator"

    def send(self, **kwargs) -> str:
        if not self.transport():
            raise SendError(
                transient=False, code="simulator_off", reason="The SMS simulator is not configured."
            )
        return super().send(**kwargs)
