"""The console's pages: only platform staff, each role its own; tenants as counts."""

import datetime as dt
import uuid

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from channels_sms.demo import demo_numbers_ensure
from conversations.models import Contact, Conversation, Widget
from conversations.services.messages import message_receive
from platform_staff.console import PLATFORM_SESSION_KEY, staff_required
from platform_staff.models import AccessGrant, Disclosure
from platform_staff.tests.console_helpers import console_client, make_platform_person
from tenants.models import Role
from tenants.tests.factories import TenantFactory
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db):
    return make_platform_person(("support",), country="CA")


@pytest.fixture
def dpo(db):
    return make_platform_person(("dpo",))


@pytest.fixture
def security(db):
    return make_platform_person(("security",))


CONTACT_NAME = "Zoé Martin-Secret"
MESSAGE_BODY = "My order 4471 never arrived, please call me"
FILLERS = {"uuid": str(uuid.uuid4()), "int": "1", "slug": "a-slug", "str": "x", "path": "x"}


def console_pages():
    """Every console page behind staff_required, with sample arguments, and its roles."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and hasattr(entry.callback, "platform_roles"):
                route = prefix + str(entry.pattern)
                for name, converter in entry.pattern.converters.items():
                    kind = type(converter).__name__.replace("Converter", "").lower()
                    filler = FILLERS.get(kind, "x")
                    route = route.replace(f"<{kind}:{name}>", filler).replace(f"<{name}>", filler)
                found.append(("/" + route, entry.callback.platform_roles))

    platform = next(
        r for r in get_resolver().url_patterns if getattr(r, "namespace", "") == "platform"
    )
    walk(platform.url_patterns, str(platform.pattern))
    return found


def test_the_walk_finds_the_console_pages():
    routes = [route for route, _ in console_pages()]
    assert "/platform/" in routes and "/platform/tenants/" in routes


@pytest.mark.parametrize("role", Role.values)
def test_a_tenant_member_gets_404_on_every_console_page(tenant_a, role):
    client = verified_client(tenant_a.members[role].user)
    for route, _ in console_pages():
        assert client.get(route).status_code == 404, route


def test_a_visitor_is_sent_to_the_console_sign_in(client):
    for route, _ in console_pages():
        answer = client.get(route)
        assert answer.status_code == 302 and answer["Location"].startswith("/platform/login/")


def test_platform_staff_without_the_role_get_404(support, dpo, security):
    people = {"support": support, "dpo": dpo, "security": security}
    for route, roles in console_pages():
        for role, person in people.items():
            status = console_client(person).get(route).status_code
            if roles and role not in roles:
                assert status == 404, (route, role)
            elif not any(filler in route for filler in FILLERS.values() if len(filler) > 1):
                # A page naming an object (here a made-up one) is a 404 to anyone.
                assert status != 404, (route, role)


def test_a_security_page_is_404_for_support(support, security):
    # Independent of which role pages exist yet: the door itself.
    @staff_required("security")
    def security_only(request):
        from django.http import HttpResponse

        return HttpResponse("register")

    def request_as(person):
        request = RequestFactory().get("/platform/x/")
        request.user = person.user
        request.user.is_verified = lambda: True
        request.session = {PLATFORM_SESSION_KEY: True}
        return request

    from django.http import Http404

    with pytest.raises(Http404):
        security_only(request_as(support))
    assert security_only(request_as(security)).content == b"register"


def test_each_role_sees_its_own_navigation_and_home(support, dpo, security):
    support_home = console_client(support).get("/platform/").content.decode()
    assert 'id="home-support"' in support_home and 'id="home-security"' not in support_home
    assert "Disclosures" not in support_home
    security_home = console_client(security).get("/platform/").content.decode()
    assert 'id="home-security"' in security_home and 'id="home-support"' not in security_home
    assert "Access requests" not in security_home
    dpo_home = console_client(dpo).get("/platform/").content.decode()
    assert 'id="home-dpo"' in dpo_home and 'id="home-support"' not in dpo_home
    for page in (support_home, security_home, dpo_home):
        assert 'href="/platform/tenants/"' in page and 'action="/platform/logout/"' in page


def test_a_person_with_several_roles_gets_each_roles_pages_and_no_others(db):
    both = console_client(make_platform_person(("support", "security")))
    home = both.get("/platform/").content.decode()
    assert 'id="home-support"' in home and 'id="home-security"' in home
    assert 'id="home-dpo"' not in home
    assert 'href="/platform/grants/"' in home and 'href="/platform/disclosures/"' in home
    assert both.get("/platform/grants/").status_code == 200
    assert both.get("/platform/disclosures/").status_code == 200
    assert both.get("/platform/requests/").status_code == 404  # the DPO's queue


def test_the_top_bar_shows_person_roles_country_and_transfer(support, dpo):
    page = console_client(support).get("/platform/").content.decode()
    assert "Pat Platform" in page and 'data-country="CA"' in page
    assert 'data-platform-roles="support"' in page and "transfer" in page
    fr = console_client(dpo).get("/platform/").content.decode()
    assert 'data-country="FR"' in fr and "pill bad transfer" not in fr


def _grant(tenant, staff, *, status="pending", **fields):
    now = timezone.now()
    defaults = {
        "requester_country": staff.country, "transfer": staff.transfer, "scope": "tenant",
        "reason_code": "incident_response", "justification": "checking a delivery bug",
        "requested_hours": 4, "decision_due_at": now + dt.timedelta(hours=72), "status": status,
    }  # fmt: skip
    if status == "approved":
        defaults.update(approved_scope="tenant", approved_hours=4, decided_at=now)
        defaults["expires_at"] = now + dt.timedelta(hours=4)
    defaults.update(fields)
    return AccessGrant.objects.create(tenant=tenant, requested_by=staff, **defaults)


def test_support_home_counts_their_own_pending_and_live_grants(support, tenant_a, tenant_b):
    past = timezone.now() - dt.timedelta(hours=1)
    _grant(tenant_a.tenant, support)
    _grant(tenant_b.tenant, support)
    _grant(tenant_a.tenant, support, status="approved")
    _grant(tenant_b.tenant, support, decision_due_at=past)  # expired: not counted
    _grant(tenant_a.tenant, support, status="approved", expires_at=past)  # expired
    other = make_platform_person(("support",), email="other@platform.test")
    _grant(tenant_a.tenant, other)  # someone else's
    page = console_client(support).get("/platform/")
    assert page.context["grants"] == {"pending": 2, "live": 1}
    assert 'data-count="grants-pending">2<' in page.content.decode()


def test_dpo_and_security_homes_count(dpo, security, tenant_a, tenant_b):
    Disclosure.objects.create(
        tenant=tenant_a.tenant, disclosed_on=dt.date(2026, 1, 5), authority="Police",
        legal_basis="warrant", data_scope="one conversation", recorded_by=security,
        withheld_reason="gag order", inform_by=dt.date(2026, 6, 1),
    )  # fmt: skip
    Disclosure.objects.create(
        tenant=tenant_b.tenant, disclosed_on=dt.date(2026, 1, 6), authority="Court",
        legal_basis="order", data_scope="contacts", recorded_by=security,
        tenant_informed_at=timezone.now(),
    )  # fmt: skip
    dpo_page = console_client(dpo).get("/platform/").content.decode()
    assert 'data-count="tenants">2<' in dpo_page
    assert 'data-count="members">10<' in dpo_page  # five roles in each of two tenants
    security_page = console_client(security).get("/platform/").content.decode()
    assert 'data-count="disclosures-untold">1<' in security_page


def test_the_tenants_list_shows_counts_and_never_content(dpo, tenant_a, tenant_b):
    widget = Widget.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, allowed_origins=["https://a.example"]
    )
    for n in range(3):
        contact = Contact(tenant=tenant_a.tenant, name=CONTACT_NAME, email=f"z{n}@mail.test")
        contact.save(force_insert=True)
        conversation = Conversation.objects.create(
            tenant=tenant_a.tenant, shop=tenant_a.shop, contact=contact, channel="widget",
            endpoint_id=widget.id,
        )  # fmt: skip
        message_receive(conversation=conversation, body=MESSAGE_BODY)
    demo_numbers_ensure(tenant=tenant_a.tenant, shop=tenant_a.shop)
    answer = console_client(dpo).get("/platform/tenants/")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    page = answer.content.decode()
    row = page[page.index(f'data-tenant="{tenant_a.tenant.slug}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-count="members">5<' in row
    assert 'data-count="shops">1<' in row
    assert 'data-count="phone-numbers">3<' in row
    assert 'data-count="conversations">3<' in row
    assert tenant_b.tenant.name in page and "EU" in row
    for content in (CONTACT_NAME, "Zoé", MESSAGE_BODY, "4471", "z0@mail.test"):
        assert content not in page


def test_the_tenants_list_is_searchable_and_paginated(dpo, settings):
    for n in range(55):
        TenantFactory(name=f"Bakery {n:02d}")
    TenantFactory(name="Florist Rose")
    client = console_client(dpo)
    first = client.get("/platform/tenants/")
    assert len(first.context["page"].object_list) == 50
    assert 'rel="next"' in first.content.decode()
    second = client.get("/platform/tenants/?page=2")
    assert len(second.context["page"].object_list) == 6
    found = client.get("/platform/tenants/?q=flor")
    assert [t.name for t in found.context["page"]] == ["Florist Rose"]
    nothing = client.get("/platform/tenants/?q=zzz").content.decode()
    assert "No tenant has this name." in nothing


def test_the_tenants_list_takes_a_fixed_number_of_queries(dpo, django_assert_max_num_queries):
    for n in range(5):
        TenantFactory(name=f"Shop {n}")
    client = console_client(dpo)
    client.get("/platform/tenants/")  # warm the session
    with django_assert_max_num_queries(12):
        client.get("/platform/tenants/")
