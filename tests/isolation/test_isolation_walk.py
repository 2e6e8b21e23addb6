"""Tenant A's owner, the most privileged member, walks every API endpoint and
every page with tenant B's object ids: in the address every one must be a 404,
no list may show B's data, and ids of B's objects in request bodies and page
forms are refused without changing anything of B's or linking A's rows to B's."""

import pytest

from tests.isolation.walker import api_endpoints, walk_api, walk_bodies, walk_pages

pytestmark = pytest.mark.django_db

# Endpoints that are not tenant views, with the reason they are safe.
PUBLIC = {
    "api:invitation-accept": "the token is looked up inside the tenant named in the body",
}


def test_every_api_endpoint_is_scoped_to_the_caller_tenant(tenant_a, foreign, foreign_values):
    walk = walk_api(
        client=tenant_a.client(), foreign_ids=foreign, foreign_values=foreign_values, public=PUBLIC
    )
    assert walk.failures == []
    # Every endpoint was reached with every method it declares.
    declared = sum(len(e.methods()) for e in api_endpoints() if e.name not in PUBLIC)
    assert len(walk.exercised) == declared > 10


def test_the_walk_catches_a_deliberately_unscoped_endpoint(
    without_row_security, tenant_a, foreign, foreign_values, settings
):
    settings.ROOT_URLCONF = "tests.isolation.leaky_urls"
    walk = walk_api(
        client=tenant_a.client(), foreign_ids=foreign, foreign_values=foreign_values, public=PUBLIC
    )
    assert walk.failures == [
        "GET api/v1/leaky/shops/<uuid:shop_id>: expected 404, got 200",
        f"GET api/v1/leaky/shops: answer contains the other tenant's [{foreign['shop_id']()!r}]",
    ]


def test_the_walk_fails_for_an_endpoint_it_cannot_address(
    tenant_a, foreign, foreign_values, settings
):
    settings.ROOT_URLCONF = "tests.isolation.leaky_urls"
    del foreign["shop_id"]
    walk = walk_api(
        client=tenant_a.client(), foreign_ids=foreign, foreign_values=foreign_values, public=PUBLIC
    )
    assert any("no foreign object for ['shop_id']" in f for f in walk.failures)


def test_public_endpoints_are_still_there():
    names = {e.name for e in api_endpoints()}
    assert set(PUBLIC) <= names


def test_ids_in_request_bodies_are_resolved_inside_the_caller_tenant(
    tenant_a, tenant_b, own, foreign
):
    walk = walk_bodies(
        client=tenant_a.client(),
        own=own,
        foreign=foreign,
        foreign_tenant=tenant_b.tenant,
        public=PUBLIC,
    )
    assert walk.failures == []
    # Shops, accounts and assignees are all sent from the other tenant.
    assert {
        "POST api/v1/phone-numbers body shop",
        "POST api/v1/phone-numbers body account",
        "PATCH api/v1/phone-numbers/<uuid:number_id> body shop",
        "POST api/v1/widgets body shop",
        "POST api/v1/conversations/<uuid:conversation_id>/assign body assignee",
        "POST api/v1/privacy/requests body contact_id",
        "POST api/v1/privacy/requests/<uuid:dsr_id>/answer body contact_id",
    } <= set(walk.exercised)


def test_the_body_walk_catches_a_body_id_looked_up_without_the_tenant(
    without_row_security, tenant_a, tenant_b, own, foreign, settings
):
    settings.ROOT_URLCONF = "tests.isolation.leaky_urls"
    walk = walk_bodies(
        client=tenant_a.client(),
        own=own,
        foreign=foreign,
        foreign_tenant=tenant_b.tenant,
        public=PUBLIC,
    )
    assert walk.failures == [
        "POST api/v1/leaky/numbers/<uuid:number_id>/move body shop: expected 400 or 404, got 200",
        "POST api/v1/leaky/numbers/<uuid:number_id>/move body shop: "
        "rows span two tenants: PhoneNumber.shop",
    ]


# Pages that name no tenant's object, with the reason they are safe.
PUBLIC_PAGES = {
    "web:accept-invitation": "the token is looked up inside the tenant the link names",
    "web:password-reset-confirm": "a person's own reset link; it names no tenant's object",
    "web:subprocessor-object": (
        "names a sub-processor change, the platform's own announced to every tenant; the "
        "objection is written inside the caller's tenant (compliance/tests/test_subprocessors_*)"
    ),
}


def _staff_browser(world):
    from web.tests.helpers import verified_client

    return verified_client(world.owner.user)


def test_every_page_and_form_is_scoped_to_the_caller_tenant(
    tenant_a, tenant_b, own, foreign, foreign_values
):
    walk = walk_pages(
        client=_staff_browser(tenant_a),
        own=own,
        foreign=foreign,
        foreign_values=foreign_values,
        foreign_tenant=tenant_b.tenant,
        public=PUBLIC_PAGES,
    )
    assert walk.failures == []
    assert {
        "GET c/<uuid:conversation_id>/",
        "POST c/<uuid:conversation_id>/assign",
        "POST c/<uuid:conversation_id>/assign form assignee",
        "POST c/<uuid:conversation_id>/labels form label",
        "POST settings/numbers/ form shop",
        "POST settings/numbers/ form account",
        "POST settings/widget/ form shop",
        "POST switch-tenant/ form tenant",
        "POST settings/privacy/new form contact_id",
        "POST settings/privacy/<uuid:dsr_id>/answer form contact_id",
        "GET settings/shops/<uuid:shop_id>/",
        "GET inbox/",
        "GET settings/retention/",
    } <= set(walk.exercised)


def test_the_page_walk_catches_a_deliberately_unscoped_page_and_form(
    without_row_security, tenant_a, tenant_b, own, foreign, foreign_values, settings
):
    from tests.isolation.walker import PAGE_FORMS

    settings.ROOT_URLCONF = "tests.isolation.leaky_urls"
    walk = walk_pages(
        client=_staff_browser(tenant_a),
        own=own,
        foreign=foreign,
        foreign_values=foreign_values,
        foreign_tenant=tenant_b.tenant,
        public=PUBLIC_PAGES,
        namespaces=("leaky-web",),
        forms=PAGE_FORMS | {"leaky-web:labels": {"label": "label_id"}},
    )
    shop = foreign["shop_id"]()
    assert walk.failures == [
        "GET leaky/c/<uuid:conversation_id>/: expected (404, 405), got 200",
        f"GET leaky/c/<uuid:conversation_id>/: answer contains the other tenant's [{shop!r}]",
        "POST leaky/c/<uuid:conversation_id>/: expected (404, 405), got 200",
        f"POST leaky/c/<uuid:conversation_id>/: answer contains the other tenant's [{shop!r}]",
        "POST leaky/c/<uuid:conversation_id>/labels form label: "
        "rows span two tenants: ConversationLabel.label",
    ]
