"""A platform support person walks every console route and every tenant API
route: without a grant, with a pending, denied, revoked or expired one, with
someone else's, and with a grant for conversation X used on conversation Y.
Every route that shows tenant content answers 404 and records
``platform.access_denied``; no answer shows the tenant's content. Only a live
grant opens exactly what it covers, and each read is recorded.

The console's routes are read from the resolver, so routes added later are
walked too."""

import datetime as dt
import json
import uuid

import pytest
import time_machine
from django.urls import resolve

from audit.models import AuditEvent
from platform_staff.services.grants import (
    access_approve,
    access_deny,
    access_request,
    access_revoke,
)
from platform_staff.tests.conftest import Content, console_client, make_staff
from tenants.api.base import TenantAPIView
from tests.isolation.test_isolation_walk import PUBLIC
from tests.isolation.walker import _PARAM, api_endpoints, web_pages

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# Route parameters that address tenant content: never shown without a live grant.
CONTENT_PARAMS = {"conversation_id"}
# Parameters of routes this walk does not know yet: a value of the right shape.
BY_CONVERTER = {"uuid": lambda: str(uuid.uuid4()), "int": lambda: "1"}


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def support(db):
    return make_staff(roles=("support",), country="FR")


@pytest.fixture
def content(tenant_a):
    return Content(tenant_a)


def ask(staff, content, conversations, hours=4):
    return access_request(
        staff=staff,
        tenant=content.tenant,
        scope="conversations",
        reason_code="incident_response",
        justification="Messages are lost.",
        hours=hours,
        conversation_ids=[c.pk for c in conversations],
    )


def approve(content, grant, hours=None):
    return access_approve(membership=content.world.owner, grant=grant, hours=hours)


# What each walk starts from: (grant id the support person uses, the conversation
# they open, the secrets no answer may show). The grant is never live for what
# they open.
def no_grant(support, content, clock):
    return uuid.uuid4(), content.x, content.all_secrets


def pending(support, content, clock):
    return ask(support, content, [content.x]).pk, content.x, content.all_secrets


def denied(support, content, clock):
    grant = access_deny(membership=content.world.owner, grant=ask(support, content, [content.x]))
    return grant.pk, content.x, content.all_secrets


def revoked(support, content, clock):
    grant = approve(content, ask(support, content, [content.x]))
    access_revoke(membership=content.world.owner, grant=grant)
    return grant.pk, content.x, content.all_secrets


def expired(support, content, clock):
    grant = approve(content, ask(support, content, [content.x]), hours=1)
    clock.shift(dt.timedelta(hours=1, seconds=1))
    return grant.pk, content.x, content.all_secrets


def unanswered(support, content, clock):
    grant = ask(support, content, [content.x])
    clock.shift(dt.timedelta(hours=72))
    return grant.pk, content.x, content.all_secrets


def someone_elses(support, content, clock):
    grant = approve(content, ask(make_staff(country="DE"), content, [content.x]))
    return grant.pk, content.x, content.all_secrets


def x_used_on_y(support, content, clock):
    grant = approve(content, ask(support, content, [content.x]))
    # The grant's own page lists X (it is live); Y is never shown.
    return grant.pk, content.y, content.secrets["y"]


SCENARIOS = [no_grant, pending, denied, revoked, expired, unanswered, someone_elses, x_used_on_y]


def console_routes():
    return list(web_pages(namespaces=("platform",)))


def _value(page, param, ids):
    if param in ids:
        return ids[param]
    converters = {m["name"]: m["converter"] for m in _PARAM.finditer(page.route)}
    return BY_CONVERTER.get(converters[param], lambda: "walk")()


def _body(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return data.decode(errors="replace")


def denials():
    return AuditEvent.objects.filter(action="platform.access_denied")


def reads():
    return AuditEvent.objects.filter(action="platform.access")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_every_console_route_refuses_content_outside_a_live_grant(
    support, content, clock, scenario
):
    grant_id, conversation, secrets = scenario(support, content, clock)
    ids = {
        "grant_id": str(grant_id),
        "conversation_id": str(conversation.pk),
        "tenant_id": str(content.tenant.pk),
        "tenant_slug": content.tenant.slug,
    }
    failures, walked = [], []
    for page in console_routes():
        path = page.path({p: _value(page, p, ids) for p in page.params})
        content_route = bool(CONTENT_PARAMS & set(page.params)) or (
            "grant_id" in page.params and scenario in (no_grant, someone_elses)
        )
        for method in ("GET", "POST"):
            if method == "POST" and not page.params:
                continue  # forms without an id (sign-in, requests) are not content
            # A fresh console session each time: a sign-out route ends only its own.
            client = console_client(support)
            before_denied, before_reads = denials().count(), reads().count()
            response = getattr(client, method.lower())(path)
            label = f"{method} {page.route}"
            walked.append(label)
            body = _body(response)
            leaked = [s for s in secrets if s in body]
            if leaked:
                failures.append(f"{label}: shows {leaked}")
            if response.status_code >= 500 or response.status_code in (401, 403):
                failures.append(f"{label}: answered {response.status_code}")
            if not content_route:
                continue
            if response.status_code not in ((404,) if method == "GET" else (404, 405)):
                failures.append(f"{label}: expected 404, got {response.status_code}")
            if method == "GET" and denials().count() != before_denied + 1:
                failures.append(f"{label}: no platform.access_denied recorded")
            if (
                page.params
                and "conversation_id" in page.params
                and (reads().count() != before_reads)
            ):
                failures.append(f"{label}: recorded a read")
    assert failures == []
    assert {"GET platform/grants/<uuid:grant_id>/c/<uuid:conversation_id>/"} <= set(walked)
    assert not reads().filter(target_kind="conversation").exists()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_every_tenant_api_route_is_a_404_to_platform_staff(support, content, own, clock, scenario):
    scenario(support, content, clock)
    client = console_client(support)
    failures, exercised = [], 0
    for endpoint in api_endpoints():
        if endpoint.name in PUBLIC:
            continue
        assert issubclass(endpoint.view_class, TenantAPIView), endpoint.route
        path = endpoint.path({p: own[p]() for p in endpoint.params})
        for method in endpoint.methods():
            before = denials().count()
            if method in ("GET", "HEAD", "DELETE"):
                response = getattr(client, method.lower())(path)
            else:
                response = getattr(client, method.lower())(
                    path, data=json.dumps({}), content_type="application/json"
                )
            exercised += 1
            label = f"{method} {endpoint.route}"
            if response.status_code != 404:
                failures.append(f"{label}: expected 404, got {response.status_code}")
            elif method != "HEAD" and response.json()["error"]["code"] != "not_found":
                failures.append(f"{label}: not the API's JSON 404")
            new = list(denials().order_by("-created_at")[: denials().count() - before])
            if [e.metadata["reason"] for e in new] != ["tenant_route"]:
                failures.append(f"{label}: expected one platform.access_denied, got {len(new)}")
    assert failures == []
    assert exercised > 10
    assert not AuditEvent.objects.filter(action="access.denied").exists()
    assert not reads().exists()


def test_every_member_page_is_a_404_to_platform_staff(support, content, own):
    """Tenant pages (member_required) too, and the session is not signed out."""
    client = console_client(support)
    failures, walked = [], 0
    for page in web_pages(namespaces=("web",)):
        if any(p not in own for p in page.params):
            continue  # tokens of invitations and resets: not tenant routes
        path = page.path({p: own[p]() for p in page.params})
        if getattr(resolve(path).func, "required_capability", None) is None:
            continue  # sign-in, account and public pages: the person's own, no tenant
        before = denials().count()
        response = client.get(path)
        walked += 1
        if response.status_code not in (404, 405):
            failures.append(f"GET {page.route}: expected 404, got {response.status_code}")
        if response.status_code == 404 and denials().count() != before + 1:
            failures.append(f"GET {page.route}: no platform.access_denied recorded")
    assert failures == []
    assert walked > 10
    assert client.get("/platform/grants/").status_code == 200


# A live grant opens exactly what it covers ---------------------------------------


def test_a_live_grant_opens_x_and_records_the_read(content, clock):
    abroad = make_staff(country="US")
    grant = approve(content, ask(abroad, content, [content.x]))
    client = console_client(abroad)
    page = client.get(f"/platform/grants/{grant.pk}/c/{content.x.pk}/")
    assert page.status_code == 200
    assert all(secret in page.content.decode() for secret in content.secrets["x"])
    (read,) = reads()
    assert (read.target_kind, read.target_id) == ("conversation", str(content.x.pk))
    assert (
        read.metadata.items()
        >= {
            "grant": str(grant.pk),
            "role": "support",
            "country": "US",
            "transfer": True,
        }.items()
    )
    assert read.actor_kind == "platform_staff" and read.tenant_id == content.tenant.pk


def test_the_very_next_request_after_revocation_is_refused(support, content, clock):
    grant = approve(content, ask(support, content, [content.x]))
    client = console_client(support)
    path = f"/platform/grants/{grant.pk}/c/{content.x.pk}/"
    assert client.get(path).status_code == 200
    access_revoke(membership=content.world.owner, grant=grant)
    assert client.get(path).status_code == 404
    assert denials().get().metadata["reason"] == "revoked"
    assert reads().count() == 1


def test_the_clock_past_expiry_refuses_the_next_request(support, content, clock):
    grant = approve(content, ask(support, content, [content.x], hours=4), hours=1)
    client = console_client(support)
    path = f"/platform/grants/{grant.pk}/c/{content.x.pk}/"
    clock.shift(dt.timedelta(minutes=59))
    assert client.get(path).status_code == 200
    clock.shift(dt.timedelta(minutes=1))
    assert client.get(path).status_code == 404
    assert denials().get().metadata["reason"] == "expired"


def test_another_support_persons_grant_opens_nothing(support, content, clock):
    grant = approve(content, ask(support, content, [content.x]))
    colleague = console_client(make_staff())
    for path in (f"/platform/grants/{grant.pk}/", f"/platform/grants/{grant.pk}/c/{content.x.pk}/"):
        assert colleague.get(path).status_code == 404
    assert [e.metadata["reason"] for e in denials()] == ["not_requester"] * 2
    assert not reads().exists()
