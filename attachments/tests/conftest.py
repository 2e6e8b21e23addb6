"""Files for the attachment tests, made here (no fixture files to trust)."""

import io

import pytest
from PIL import Image

from channels_sms.simulator import SimulatorServer
from channels_sms.tests.conftest import (
    SIMULATOR_NUMBER,
    SIMULATOR_SID,
    SIMULATOR_TOKEN,
    UNREACHABLE,
    sms_setup,
)

HTML_AS_PNG = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def png_bytes(width=640, height=480, colour=(200, 40, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 0)).save(out, format="PDF")
    return out.getvalue()


@pytest.fixture
def storage_dir(settings, tmp_path):
    """The attachments storage in a folder of this test's own (Django resets its
    storages when the setting changes)."""
    settings.STORAGES = settings.STORAGES | {
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments")},
        }
    }
    return tmp_path / "attachments"


@pytest.fixture
def sms_world(tenant_a, settings, storage_dir):
    settings.PUBLIC_BASE_URL = "https://instaply.example"
    return sms_setup(tenant_a.tenant, tenant_a.shop)


@pytest.fixture
def mms_simulator(settings):
    """The simulator serving media of the simulator account (webhooks nowhere:
    tests post them through the test client)."""
    with SimulatorServer(port=0, status_delay=0.01) as server:
        settings.SMS_SIMULATOR_URL = server.url
        server.add_account(
            provider="twilio",
            account_sid=SIMULATOR_SID,
            auth_token=SIMULATOR_TOKEN,
            numbers=[SIMULATOR_NUMBER],
            inbound_webhook_url=UNREACHABLE + "/webhooks/twilio/sms/",
            status_callback_url=UNREACHABLE + "/webhooks/twilio/status/",
        )
        yield server
