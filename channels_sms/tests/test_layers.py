"""Who may import whom in channels_sms: the services never reach up into the HTTP
layer, and the production providers know nothing of the provider simulator, a
development tool that registers its stand-ins through settings.SMS_PROVIDERS."""

import ast
import json
from pathlib import Path

import pytest

from channels_sms.providers import provider_for
from channels_sms.providers.base import Credentials, SendError
from instaply.tests.test_production_settings import _run, production_env

APP = Path(__file__).resolve().parents[1]


def _imports(folder: Path) -> dict[str, set[str]]:
    """Every module each file under ``folder`` imports, at any depth of its code."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(APP))] = names
    return found


# The addresses providers must be told (status callbacks name ours): URL names, not
# request handling.
ALLOWED_FROM_WEBHOOKS = {"channels_sms.webhooks.addresses"}


def test_services_do_not_import_the_http_layer():
    reaching_up = {
        path: sorted(
            name
            for name in names - ALLOWED_FROM_WEBHOOKS
            if name.startswith(("channels_sms.webhooks", "channels_sms.api"))
        )
        for path, names in _imports(APP / "services").items()
    }
    assert {path: names for path, names in reaching_up.items() if names} == {}


def test_production_providers_do_not_import_the_simulator():
    importing = {
        path: sorted(name for name in names if "simulator" in name)
        for path, names in _imports(APP / "providers").items()
    }
    assert {path: names for path, names in importing.items() if names} == {}


PRODUCTION_PROCESS = """
import json, sys
import django
django.setup()
import instaply.urls  # every view, and all they import
from django.conf import settings
from channels_sms.providers import provider_for
from channels_sms.providers.base import Credentials
provider_for("twilio").client(Credentials("AC" + "0" * 32, "token"))
provider_for("vonage").client(Credentials("key", "secret"))
loaded = sorted(name for name in sys.modules if name.startswith("channels_sms.simulator"))
print(json.dumps({"providers": settings.SMS_PROVIDERS, "loaded": loaded}))
"""


def test_a_production_process_never_loads_the_simulator():
    result = _run(["-c", PRODUCTION_PROCESS], **production_env())
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == []
    assert sorted(seen["providers"]) == ["twilio", "vonage"]
    assert "simulator" not in json.dumps(seen["providers"])


@pytest.mark.django_db
def test_a_kind_not_registered_sends_nothing_and_trusts_no_webhook(settings):
    settings.SMS_PROVIDERS = {
        "twilio": "channels_sms.providers.twilio.TwilioProvider",
        "vonage": "channels_sms.providers.vonage.VonageProvider",
    }
    unavailable = provider_for("simulator")
    with pytest.raises(SendError) as refused:
        unavailable.send(
            credentials=Credentials("AC" + "0" * 32, "token"),
            number=None,
            to="+33612345678",
            body="Hello",
            media=[],
            status_callback="",
            reference="",
        )
    assert refused.value.code == "provider_unavailable" and not refused.value.transient
    assert not unavailable.signature_valid(
        credentials=Credentials("AC" + "0" * 32, "token"),
        url="https://inbox.example.com/webhooks/twilio/sms/",
        params={"Body": "Hi"},
        signature="anything",
    )


def test_outside_production_the_simulator_stands_in_for_every_provider(settings):
    from channels_sms.simulator.providers import (
        SimulatedTwilioProvider,
        SimulatedVonageProvider,
        SimulatorProvider,
    )

    assert isinstance(provider_for("twilio"), SimulatedTwilioProvider)
    assert isinstance(provider_for("vonage"), SimulatedVonageProvider)
    assert isinstance(provider_for("simulator"), SimulatorProvider)
