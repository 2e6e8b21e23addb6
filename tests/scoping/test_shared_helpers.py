"""The one tenant-scoped get, the one way to apply changes, and the same-tenant
check of services that receive several objects."""

import pytest

from conversations.models import CannedResponse, Widget
from instaply.errors import Invalid, NotFound
from tenants.models import Role, Shop
from tenants.scoping import TenantMismatch, apply_changes, require_same_tenant, tenant_get
from tenants.selectors import membership_get, shop_get

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["not-an-id", "", 12, None, True, ["x"], {"id": 1}])
def test_a_malformed_id_is_the_same_404_as_a_missing_one(tenant_a, bad):
    with pytest.raises(NotFound, match="No member with this id."):
        membership_get(tenant=tenant_a.tenant, id=bad)


def test_another_tenants_object_is_the_same_404(tenant_a, tenant_b):
    with pytest.raises(NotFound) as foreign:
        shop_get(tenant=tenant_a.tenant, id=tenant_b.shop.id)
    with pytest.raises(NotFound) as missing:
        shop_get(tenant=tenant_a.tenant, id="01a23254-2cc4-76ae-849e-2bc432d8c971")
    assert str(foreign.value) == str(missing.value) == "No shop with this id."
    assert tenant_get(Shop, tenant=tenant_a.tenant, id=tenant_a.shop.id) == tenant_a.shop


def test_a_page_given_a_malformed_member_id_answers_404(tenant_a):
    from conversations.tests.factories import ConversationFactory
    from web.tests.helpers import verified_client

    conversation = ConversationFactory(tenant=tenant_a.tenant, shop=tenant_a.shop)
    response = verified_client(tenant_a.owner.user).post(
        f"/c/{conversation.id}/assign", {"assignee": "not-an-id"}
    )
    assert response.status_code == 404


def test_require_same_tenant(tenant_a, tenant_b):
    require_same_tenant(tenant_a.tenant, tenant_a.shop, tenant_a.owner, None)
    require_same_tenant(tenant_a.owner, tenant_a.shop)
    with pytest.raises(TenantMismatch):
        require_same_tenant(tenant_a.owner, tenant_a.shop, tenant_b.shop)
    with pytest.raises(TenantMismatch):
        require_same_tenant(None, tenant_a.shop)


def test_apply_changes_saves_only_the_allowed_fields(tenant_a):
    shop = tenant_a.shop
    assert apply_changes(shop, {"name": "Renamed"}, allowed={"name"}) == ["name"]
    shop.refresh_from_db()
    assert shop.name == "Renamed"
    with pytest.raises(Invalid) as refused:
        apply_changes(shop, {"name": "Other", "tenant_id": None}, allowed={"name"})
    assert refused.value.fields == {"tenant_id": ["Cannot be changed here."]}
    shop.refresh_from_db()
    assert shop.name == "Renamed"


def _update_calls(world, other):
    """Each update service, asked to move its row to another tenant."""
    from channels_sms.models import PhoneNumber, ProviderAccount
    from channels_sms.services.numbers import phone_number_update, provider_account_update
    from conversations.services.library import canned_response_update
    from conversations.widget.admin_services import widget_update
    from tenants.services.tenancy import shop_update

    actor = world.owner
    account = ProviderAccount.objects.create(
        tenant=world.tenant, provider="twilio", account_ref="AC" + "3" * 32, auth_token="t"
    )
    number = PhoneNumber.objects.create(
        tenant=world.tenant,
        shop=world.shop,
        account=account,
        provider="twilio",
        number="+15017122677",
    )
    canned = CannedResponse.objects.create(tenant=world.tenant, shortcut="hi", text="Hi")
    widget = Widget.objects.create(tenant=world.tenant, shop=world.shop)
    moved = {"tenant_id": other.id}
    return {
        "shop": lambda: shop_update(shop=world.shop, actor=actor, **moved),
        "account": lambda: provider_account_update(actor=actor, account=account, **moved),
        "number": lambda: phone_number_update(actor=actor, phone_number=number, **moved),
        "canned": lambda: canned_response_update(actor=actor, canned=canned, **moved),
        "widget": lambda: widget_update(actor=actor, widget=widget, **moved),
    }


@pytest.mark.parametrize("service", ["shop", "account", "number", "canned", "widget"])
def test_no_update_service_accepts_a_tenant_change(tenant_a, tenant_b, service):
    with pytest.raises(Invalid) as refused:
        _update_calls(tenant_a, tenant_b.tenant)[service]()
    assert "tenant_id" in refused.value.fields
    assert Shop.objects.for_tenant(tenant_b.tenant).count() == 1


def test_services_refuse_objects_of_another_tenant(tenant_a, tenant_b):
    from tenants.services.members import membership_change_role

    with pytest.raises(TenantMismatch):
        membership_change_role(
            actor=tenant_a.owner, membership=tenant_b.members[Role.AGENT], role=Role.VIEWER
        )
    tenant_b.members[Role.AGENT].refresh_from_db()
    assert tenant_b.members[Role.AGENT].role == Role.AGENT
