"""The console's disclosure register: platform security only."""

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from audit.models import AuditEvent
from platform_staff.models import Disclosure
from platform_staff.services.disclosures import disclosure_record
from platform_staff.tests.disclosure_helpers import console_client, platform_person
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().date()


def form(workspace, **overrides):
    return {
        "tenant": workspace.slug,
        "disclosed_on": str(today() - dt.timedelta(days=1)),
        "authority": "Parquet de Paris",
        "legal_basis": "Art. 60-1 CPP",
        "data_scope": "One contact's messages",
        "told": "yes",
        "withheld_reason": "",
        "inform_by": "",
    } | overrides


def disclosure_events():
    return AuditEvent.objects.dangerously_unscoped(reason="test").filter(
        action__startswith="platform.disclosure"
    )


@pytest.fixture
def security():
    return platform_person("security")


@pytest.fixture
def entry(tenant_a, security):
    return disclosure_record(
        staff=security,
        tenant=tenant_a.tenant,
        disclosed_on=today(),
        authority="Gendarmerie",
        legal_basis="Réquisition",
        data_scope="Numbers",
        tenant_informed=False,
        withheld_reason="Gag order",
        inform_by=today() + dt.timedelta(days=10),
    )


def pages(entry):
    return [
        ("get", reverse("platform:disclosures")),
        ("get", reverse("platform:disclosure-new")),
        ("post", reverse("platform:disclosure-new")),
        ("get", reverse("platform:disclosure", args=[entry.pk])),
        ("post", reverse("platform:disclosure-inform", args=[entry.pk])),
    ]


@pytest.mark.parametrize("roles", [("support",), ("dpo",), ("support", "dpo")])
def test_support_and_dpo_get_404_everywhere(roles, entry, tenant_a):
    client = console_client(platform_person(*roles))
    for method, url in pages(entry):
        data = form(tenant_a.tenant) if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404, url
    entry.refresh_from_db()
    assert not entry.tenant_informed
    assert Disclosure.objects.for_tenant(tenant_a.tenant).count() == 1
    assert disclosure_events().count() == 1  # the fixture's own


def test_a_tenant_owner_cannot_reach_or_post_to_the_console(entry, tenant_a):
    client = verified_client(tenant_a.owner.user)
    for method, url in pages(entry):
        data = form(tenant_a.tenant) if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404, url
    assert Disclosure.objects.for_tenant(tenant_a.tenant).count() == 1
    entry.refresh_from_db()
    assert not entry.tenant_informed


def test_a_session_that_did_not_sign_in_through_the_console_goes_to_its_sign_in(security):
    try:
        reverse("platform:login")
    except NoReverseMatch:
        pytest.skip("the console's sign-in comes with the console's branch")
    client = verified_client(security.user)  # no console flag
    response = client.get(reverse("platform:disclosures"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("platform:login"))


def test_security_records_an_entry_and_is_taken_to_it(security, tenant_a):
    client = console_client(security)
    response = client.post(reverse("platform:disclosure-new"), form(tenant_a.tenant))
    entry = Disclosure.objects.for_tenant(tenant_a.tenant).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("platform:disclosure", args=[entry.pk])
    assert entry.tenant_informed and entry.recorded_by == security
    assert disclosure_events().count() == 1
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Parquet de Paris" in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"told": "no"}, "give the legal reason"),
        ({"told": "no", "withheld_reason": "Gag"}, "give the date by which"),
        (
            {"told": "no", "withheld_reason": "Gag", "inform_by": "2001-01-01"},
            "cannot be in the past",
        ),
        ({"disclosed_on": "2999-01-01"}, "cannot be in the future"),
        ({"authority": ""}, "This field is required"),
        ({"tenant": "no-such-workspace"}, "No workspace has this slug or name"),
    ],
)
def test_a_refused_form_says_why_and_records_nothing(security, tenant_a, overrides, words):
    client = console_client(security)
    response = client.post(reverse("platform:disclosure-new"), form(tenant_a.tenant, **overrides))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Disclosure.objects.for_tenant(tenant_a.tenant).exists()
    assert not disclosure_events().exists()


def test_the_tenant_can_be_picked_by_name(security, tenant_a):
    client = console_client(security)
    client.post(reverse("platform:disclosure-new"), form(tenant_a.tenant, tenant="alpha shoes"))
    assert Disclosure.objects.for_tenant(tenant_a.tenant).count() == 1


def test_the_register_filters_and_highlights_overdue_entries(security, tenant_a, tenant_b, entry):
    told_b = disclosure_record(
        staff=security,
        tenant=tenant_b.tenant,
        disclosed_on=today(),
        authority="Police of B",
        legal_basis="Law",
        data_scope="All",
        tenant_informed=True,
    )
    overdue = disclosure_record(
        staff=security,
        tenant=tenant_b.tenant,
        disclosed_on=today(),
        authority="Court of B",
        legal_basis="Law",
        data_scope="All",
        tenant_informed=False,
        withheld_reason="Gag",
        inform_by=today(),
    )
    Disclosure.objects.for_tenant(tenant_b.tenant).filter(pk=overdue.pk).update(
        inform_by=today() - dt.timedelta(days=1)
    )
    client = console_client(security)
    url = reverse("platform:disclosures")

    def shown(query=None):
        html = client.get(url, query or {}).content.decode()
        return {e.pk for e in (entry, told_b, overdue) if f'data-disclosure="{e.pk}"' in html}, html

    every, html = shown()
    assert every == {entry.pk, told_b.pk, overdue.pk}
    assert f'data-disclosure="{overdue.pk}" class="overdue"' in html
    assert f'data-disclosure="{entry.pk}" class="overdue"' not in html
    assert 'id="overdue-count"' in html
    assert shown({"tenant": tenant_a.tenant.slug})[0] == {entry.pk}
    assert shown({"told": "told"})[0] == {told_b.pk}
    assert shown({"told": "withheld", "tenant": tenant_b.tenant.slug})[0] == {overdue.pk}
    assert shown({"tenant": "nobody"})[0] == set()


def test_mark_informed_from_the_detail_page(security, entry, django_capture_on_commit_callbacks):
    client = console_client(security)
    url = reverse("platform:disclosure", args=[entry.pk])
    assert "Mark the tenant informed" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("platform:disclosure-inform", args=[entry.pk]))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.tenant_informed
    assert "Mark the tenant informed" not in client.get(url).content.decode()
    # A second click is refused with a message, not a second event.
    client.post(reverse("platform:disclosure-inform", args=[entry.pk]))
    assert disclosure_events().filter(action="platform.disclosure_informed").count() == 1


def test_an_unknown_entry_is_404(security):
    client = console_client(security)
    missing = "01900000-0000-7000-8000-000000000000"
    assert client.get(reverse("platform:disclosure", args=[missing])).status_code == 404
    assert client.post(reverse("platform:disclosure-inform", args=[missing])).status_code == 404
