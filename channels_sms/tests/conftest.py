"""A tenant with SMS set up on every provider, a provider simulator, and helpers
that send webhooks to our endpoints signed exactly as the providers sign them."""

import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from channels_sms.models import PhoneNumber, Provider, ProviderAccount
from channels_sms.simulator import SimulatorServer, twilio_signature, vonage_sign
from tenants.tests.factories import ShopFactory, TenantFactory

FIXTURES = Path(__file__).parent / "fixtures"

TWILIO_SID = "AC11111111111111111111111111111111"
TWILIO_TOKEN = "twilio-test-auth-token"
SERVICE_SID = "MG22222222222222222222222222222222"
SIMULATOR_SID = "AC33333333333333333333333333333333"
SIMULATOR_TOKEN = "simulator-test-auth-token"
VONAGE_KEY = "abcd1234"
VONAGE_SECRET = "vonage-api-secret"
VONAGE_SIGNATURE_SECRET = "vonage-signature-secret-0123456789"

TWILIO_NUMBER = "+15017122661"
SERVICE_NUMBER = "+15017122662"  # listed with the Messaging Service
SERVICE_POOL_NUMBER = "+15017122699"  # in the service's pool, not listed with us
SIMULATOR_NUMBER = "+15017122663"
VONAGE_NUMBER = "+447700900001"
PHONE = "+33612345678"
UK_PHONE = "+447700900123"

# Where the simulator's callbacks go in unit tests: nowhere (port 9, discard);
# tests post the callbacks they need themselves.
UNREACHABLE = "http://127.0.0.1:9"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


@dataclass
class SmsWorld:
    tenant: object
    shop: object
    twilio: ProviderAccount
    vonage: ProviderAccount
    simulator: ProviderAccount
    twilio_number: PhoneNumber
    service_number: PhoneNumber
    vonage_number: PhoneNumber
    simulator_number: PhoneNumber


def sms_setup(tenant, shop) -> SmsWorld:
    twilio = ProviderAccount.objects.create(
        tenant=tenant, provider=Provider.TWILIO, account_ref=TWILIO_SID, auth_token=TWILIO_TOKEN
    )
    vonage = ProviderAccount.objects.create(
        tenant=tenant,
        provider=Provider.VONAGE,
        account_ref=VONAGE_KEY,
        auth_token=VONAGE_SECRET,
        signature_secret=VONAGE_SIGNATURE_SECRET,
        signature_method="sha256",
    )
    simulator = ProviderAccount.objects.create(
        tenant=tenant,
        provider=Provider.SIMULATOR,
        account_ref=SIMULATOR_SID,
        auth_token=SIMULATOR_TOKEN,
    )

    def number(account, e164, **fields):
        return PhoneNumber.objects.create(
            tenant=tenant,
            shop=shop,
            account=account,
            provider=account.provider,
            number=e164,
            **fields,
        )

    return SmsWorld(
        tenant=tenant,
        shop=shop,
        twilio=twilio,
        vonage=vonage,
        simulator=simulator,
        twilio_number=number(twilio, TWILIO_NUMBER),
        service_number=number(twilio, SERVICE_NUMBER, messaging_service_sid=SERVICE_SID),
        vonage_number=number(vonage, VONAGE_NUMBER),
        simulator_number=number(simulator, SIMULATOR_NUMBER),
    )


@pytest.fixture
def sms(db, settings):
    """SMS on every provider for a tenant without staff (hashing their passwords
    is the slow part of the shared worlds); API tests use ``sms_a``."""
    settings.PUBLIC_BASE_URL = "https://instaply.example"
    tenant = TenantFactory(name="Sms Shoes")
    return sms_setup(tenant, ShopFactory(tenant=tenant))


@pytest.fixture
def sms_a(tenant_a, settings):
    settings.PUBLIC_BASE_URL = "https://instaply.example"
    return sms_setup(tenant_a.tenant, tenant_a.shop)


@pytest.fixture
def sms_simulator(settings):
    """The provider simulator on a free loopback port, knowing our test accounts."""
    with SimulatorServer(port=0, status_delay=0.01) as server:
        settings.SMS_SIMULATOR_URL = server.url
        server.add_account(
            provider="twilio",
            account_sid=TWILIO_SID,
            auth_token=TWILIO_TOKEN,
            numbers=[TWILIO_NUMBER],
            messaging_services={SERVICE_SID: [SERVICE_NUMBER, SERVICE_POOL_NUMBER]},
            status_callback_url=UNREACHABLE + "/webhooks/twilio/status/",
        )
        server.add_account(
            provider="twilio",
            account_sid=SIMULATOR_SID,
            auth_token=SIMULATOR_TOKEN,
            numbers=[SIMULATOR_NUMBER],
        )
        server.add_account(
            provider="vonage",
            api_key=VONAGE_KEY,
            api_secret=VONAGE_SECRET,
            signature_secret=VONAGE_SIGNATURE_SECRET,
            signature_method="sha256",
            numbers=[VONAGE_NUMBER],
        )
        yield server


def twilio_webhook(
    client, path: str, params: dict, *, token: str = TWILIO_TOKEN, signature: str | None = None
):
    """POSTs form parameters as Twilio does, signed by the SDK's RequestValidator
    over the public URL (or with the given signature; "" sends none)."""
    url = settings.PUBLIC_BASE_URL + path
    if signature is None:
        signature = twilio_signature(token, url, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(
        path,
        data=urllib.parse.urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def vonage_webhook(
    client,
    path: str,
    params: dict,
    *,
    secret: str = VONAGE_SIGNATURE_SECRET,
    method: str = "sha256",
    sign: bool = True,
    http_method: str = "POST",
):
    """Sends Vonage webhook parameters with the timestamp, nonce and sig Vonage adds."""
    signed = vonage_sign(params, secret, method) if sign else dict(params)
    if http_method == "GET":
        return client.get(path, data=signed)
    if http_method == "POST-JSON":
        return client.post(path, data=json.dumps(signed), content_type="application/json")
    return client.post(
        path,
        data=urllib.parse.urlencode(signed),
        content_type="application/x-www-form-urlencoded",
    )
