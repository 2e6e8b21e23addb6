# ruff: noqa: F811 - fixtures imported from other apps' tests are parameters here
"""The acceptance test of product analytics: an end-to-end scenario seeded with
marker strings (names, emails, numbers, texts of customers and staff, tenant
and shop names) runs through the real paths (a signed SMS webhook, the widget's
API, the inbox API, a data-subject request worked by the DPO); the flush then
sends through the mixpanel client to a loopback server speaking Mixpanel's
ingestion API, and every payload it received is checked: only allowlisted
events, properties and values, no marker, no email address, no E.164 number,
no id of any row, geolocation off on every request."""

import re
import uuid

import pytest

from analytics.events import ALLOWLIST
from analytics.models import AnalyticsEvent
from analytics.sending import events_flush
from analytics.tests.mixpanel_server import MixpanelServer
from channels_sms.models import PhoneNumber, ProviderAccount
from channels_sms.tests.conftest import (  # noqa: F401 - fixtures
    TWILIO_NUMBER,
    fixture,
    sms_setup,
    sms_simulator,
    twilio_webhook,
)
from conversations.models import Contact, Conversation, Message, Widget, WidgetVisitor
from privacy.dsr import services as dsr_services
from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.tests.helpers import dpo, file
from tenants.models import Membership, Role, Shop, Tenant, User

pytestmark = pytest.mark.django_db

ORIGIN = "https://zephyrine-chaussures.example"
MARKERS = {
    "tenant": "Zephyrine Chaussures Quimperle",
    "shop": "Boutique Quillebeuf-Marmande",
    "staff_name": "Hortense Vauquelin-Brac",
    "staff_email": "hortense.vauquelin@zephyrine.example",
    "owner_name": "Leopoldine Castagnac",
    "owner_email": "leopoldine.castagnac@zephyrine.example",
    "sms_phone": "+33698765432",
    "sms_text": "Bonjour, ici Ambroise Telefunken, commande 77812 prete ?",
    "widget_name": "Philibert Ornicar",
    "widget_email": "philibert.ornicar@mailbox.example",
    "widget_text": "Mon colis Zanzibar-4471 est perdu",
    "reply": "Cher Ambroise, votre colis Zanzibar arrive demain",
    "corrected_name": "Ambroise Telefunken-Rectifie",
}
CLIENT_KEYS = {"token", "distinct_id", "time", "$insert_id", "mp_lib", "$lib_version"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
E164 = re.compile(r"\+\d{7,15}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


@pytest.fixture
def mixpanel(settings):
    with MixpanelServer() as server:
        settings.MIXPANEL_TOKEN = "acceptance-token"
        settings.MIXPANEL_API_URL = server.url
        yield server


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Calls an action and runs what it queued after commit (tasks run eagerly)."""

    def call(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return call


def _seed(world):
    Tenant.objects.filter(pk=world.tenant.pk).update(name=MARKERS["tenant"])
    Shop.objects.filter(pk=world.shop.pk).update(name=MARKERS["shop"])
    for role, name, email in (
        (Role.AGENT, "staff_name", "staff_email"),
        (Role.OWNER, "owner_name", "owner_email"),
    ):
        User.objects.filter(pk=world.members[role].user_id).update(
            full_name=MARKERS[name], email=MARKERS[email]
        )


def _scenario(world, client, run, settings):
    """Everything that emits an event, through the paths the product uses."""
    settings.PUBLIC_BASE_URL = "https://instaply.example"
    _seed(world)
    sms_setup(world.tenant, world.shop)
    inbound = fixture("twilio_inbound.json") | {
        "Body": MARKERS["sms_text"],
        "From": MARKERS["sms_phone"],
        "To": TWILIO_NUMBER,
    }
    response = run(twilio_webhook, client, "/webhooks/twilio/sms/", inbound)
    assert response.status_code in (200, 204), response.content

    widget = Widget.objects.create(tenant=world.tenant, shop=world.shop, allowed_origins=[ORIGIN])
    api = f"/api/widget/v1/{widget.public_key}"
    started = client.post(
        f"{api}/sessions",
        {"age": "adult", "name": MARKERS["widget_name"], "email": MARKERS["widget_email"]},
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert started.status_code == 201, started.content
    token = started.json()["visitor_token"]
    written = client.post(
        f"{api}/messages",
        {"body": MARKERS["widget_text"]},
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
        HTTP_X_VISITOR_TOKEN=token,
    )
    assert written.status_code == 201, written.content

    agent = world.client(Role.AGENT)
    assignee = str(world.members[Role.AGENT].pk)
    for conversation in Conversation.objects.filter(tenant=world.tenant):
        base = f"/api/v1/conversations/{conversation.pk}"
        reply = run(agent.post, f"{base}/messages", {"body": MARKERS["reply"]}, format="json")
        assert reply.status_code == 201, reply.content
        assigned = agent.post(f"{base}/assign", {"assignee": assignee}, format="json")
        assert assigned.status_code == 200, assigned.content
        assert agent.post(f"{base}/close").status_code == 200

    dsr, _ = file(
        world.owner,
        "rectification",
        phone=MARKERS["sms_phone"],
        corrections={"name": MARKERS["corrected_name"]},
    )
    run(dsr_services.dsr_start, staff=dpo(), dsr=dsr)
    dsr.refresh_from_db()
    assert dsr.state == DataSubjectRequest.State.COMPLETED


def _row_ids() -> set[str]:
    ids = set()
    for model in (
        Tenant,
        Shop,
        User,
        Membership,
        Contact,
        Conversation,
        Message,
        Widget,
        WidgetVisitor,
        ProviderAccount,
        PhoneNumber,
        DataSubjectRequest,
    ):
        for pk in model.objects.values_list("pk", flat=True):
            ids |= {str(pk), uuid.UUID(str(pk)).hex} if isinstance(pk, uuid.UUID) else set()
    return ids


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    else:
        yield str(value)


def test_only_allowlisted_anonymous_values_reach_mixpanel(
    tenant_a, client, run, settings, mixpanel, sms_simulator
):
    _scenario(tenant_a, client, run, settings)
    assert events_flush() == AnalyticsEvent.objects.count() > 0

    assert mixpanel.requests, "nothing reached the loopback Mixpanel"
    for request in mixpanel.requests:
        assert request.path == "/track"
        assert request.form["ip"] == "0"  # geolocation off on every request
    events = mixpanel.events
    assert {event["event"] for event in events} == set(ALLOWLIST)

    ids = _row_ids()
    markers = [marker.lower() for marker in MARKERS.values()]
    for event in events:
        allowed = ALLOWLIST[event["event"]].properties
        properties = event["properties"]
        assert set(event) == {"event", "properties"}
        assert set(properties) == set(allowed) | CLIENT_KEYS, event
        for key, spec in allowed.items():
            assert properties[key] in spec.values, (event, key)
        assert properties["token"] == "acceptance-token"
        assert properties["time"] % 3600 == 0  # the hour, never the moment
        for text in _strings(event):
            lowered = text.lower()
            assert not any(marker in lowered for marker in markers), (event, text)
            assert not any(part in lowered for part in ("ambroise", "zanzibar", "zephyrine"))
            assert not EMAIL.search(text) and not E164.search(text), (event, text)
            assert not UUID.search(text) and text not in ids, (event, text)
    raw = "".join(request.raw for request in mixpanel.requests)
    assert not any(row_id in raw for row_id in ids)
    distinct = {event["properties"]["distinct_id"] for event in events}
    assert len(distinct) == 1 and distinct.isdisjoint(ids)


def test_an_opted_out_tenant_sends_nothing(
    tenant_a, client, run, settings, mixpanel, sms_simulator
):
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(analytics_opt_out=True)
    _scenario(tenant_a, client, run, settings)
    assert events_flush() == 0
    assert mixpanel.requests == [] and not AnalyticsEvent.objects.exists()
