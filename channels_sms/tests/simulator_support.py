"""Fixtures and reference implementations shared by the simulator tests.

The `documented_*` functions restate each provider's published signing recipe
independently of the simulator's code (which goes through the SDKs), so a test
that compares the two fails if either drifts.
"""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request

import pytest

from channels_sms.simulator import SimulatorServer
from channels_sms.tests.webhook_receiver import WebhookReceiver

SHOP = "+15005550006"
OTHER_SHOP = "+15005550007"
PHONE = "+33612345678"
UK_PHONE = "+447700900123"


# Named so that test arguments (`receiver`, `simulator`) do not shadow the imports.
@pytest.fixture(name="receiver")
def receiver_fixture():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture(name="simulator")
def simulator_fixture():
    with SimulatorServer(port=0, status_delay=0.01) as server:
        yield server


def documented_twilio_signature(auth_token: str, url: str, params: dict) -> str:
    """Twilio: HMAC-SHA1(auth token, URL + each name and value in name order), base64."""
    data = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def documented_vonage_signature(params: dict, secret: str, method: str) -> str:
    """Vonage: `&name=value` sorted, `&`/`=` in values made `_`; MD5 of that plus the
    secret ("md5hash"), or its HMAC keyed by the secret."""
    data = "".join(
        f"&{name}={str(params[name]).replace('&', '_').replace('=', '_')}"
        for name in sorted(params)
        if name != "sig"
    )
    if method == "md5hash":
        return hashlib.md5((data + secret).encode()).hexdigest()
    return hmac.new(secret.encode(), data.encode(), getattr(hashlib, method)).hexdigest()


_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(base_url: str, method: str, path: str, payload=None) -> tuple[int, dict | None]:
    """A JSON request to the control API: (status, decoded body or None)."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        base_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with _no_proxy.open(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None
