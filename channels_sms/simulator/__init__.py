"""A Twilio- and Vonage-compatible SMS provider simulator for development and tests.

See docs/simulator.md. The real SDKs talk to it over HTTP on loopback
(`clients.py`); it calls our webhooks with signatures computed exactly as the
providers compute them (`signing.py`).
"""

from channels_sms.simulator.clients import (
    TwilioSimulatorHttpClient,
    point_vonage_at_simulator,
    twilio_client_for,
    vonage_client_for,
)
from channels_sms.simulator.server import SimulatorServer
from channels_sms.simulator.signing import (
    twilio_signature,
    twilio_signature_valid,
    vonage_sign,
    vonage_signature,
    vonage_signature_valid,
)

__all__ = [
    "SimulatorServer",
    "TwilioSimulatorHttpClient",
    "point_vonage_at_simulator",
    "twilio_client_for",
    "twilio_signature",
    "twilio_signature_valid",
    "vonage_client_for",
    "vonage_sign",
    "vonage_signature",
    "vonage_signature_valid",
]
