"""Affected tenants from a stated scope: audit events in a window, a
sub-processor in a window, key versions, an explicit list."""

import datetime as dt

import pytest

from audit.recorder import Actor
from breaches.scope import affected_tenant_ids, scope_clean
from breaches.tests.helpers import NOW, event, subprocessor
from channels_sms.models import PhoneNumber, Provider, ProviderAccount
from instaply.errors import Invalid
from privacy.models import TenantKey
from tenants.tests.factories import MembershipFactory, ShopFactory, TenantFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
WINDOW = {"start": (NOW - 10 * HOUR).isoformat(), "end": (NOW - 2 * HOUR).isoformat()}


def tenants_of(scope):
    return affected_tenant_ids(scope_clean(scope, now=NOW))


def test_audit_scope_counts_only_listed_actions_inside_the_window():
    inside, other_action, before, after = (TenantFactory() for _ in range(4))
    event(inside, "conversation.exported", at=NOW - 5 * HOUR)
    event(other_action, "conversation.read", at=NOW - 5 * HOUR)
    event(before, "conversation.exported", at=NOW - 11 * HOUR)
    event(after, "conversation.exported", at=NOW - HOUR)
    event(None, "conversation.exported", at=NOW - 5 * HOUR)  # platform events name no tenant

    scope = {"kind": "audit", "actions": ["conversation.exported"], **WINDOW}
    assert tenants_of(scope) == [inside.pk]


def test_audit_scope_by_actor_matches_the_user_or_the_membership():
    by_member, by_user, someone_else = (TenantFactory() for _ in range(3))
    member = MembershipFactory(tenant=by_member)
    event(by_member, "message.read", at=NOW - 5 * HOUR, actor=Actor.member(member))
    event(by_user, "auth.login.succeeded", at=NOW - 5 * HOUR, actor=Actor.user(member.user))
    event(someone_else, "message.read", at=NOW - 5 * HOUR, actor=Actor.system("other"))

    scope = {"kind": "audit", "actors": [str(member.pk), str(member.user.pk)], **WINDOW}
    assert set(tenants_of(scope)) == {by_member.pk, by_user.pk}
    # Actions and actors both listed: an event must match both.
    both = {**scope, "actions": ["message.read"]}
    assert tenants_of(both) == [by_member.pk]


def test_audit_scope_needs_a_window_and_something_to_match():
    with pytest.raises(Invalid) as missing:
        scope_clean({"kind": "audit", "actions": ["x.y"]}, now=NOW)
    assert missing.value.fields == {"start": "required"}
    with pytest.raises(Invalid) as nothing:
        scope_clean({"kind": "audit", **WINDOW}, now=NOW)
    assert nothing.value.fields == {"actions": "required"}
    reversed_window = {"start": WINDOW["end"], "end": WINDOW["start"]}
    with pytest.raises(Invalid) as backwards:
        scope_clean({"kind": "audit", "actions": ["x.y"], **reversed_window}, now=NOW)
    assert backwards.value.fields == {"end": "before start"}


def _number(tenant, provider, *, created, deactivated=None, n=0):
    account = ProviderAccount.objects.create(
        tenant=tenant, provider=provider, account_ref=f"AC{n:032d}", auth_token="t"
    )
    return PhoneNumber.objects.create(
        tenant=tenant,
        shop=ShopFactory(tenant=tenant),
        account=account,
        provider=provider,
        number=f"+1501712{n:04d}",
        created_at=created,
        active=deactivated is None,
        deactivated_at=deactivated,
    )


def test_subprocessor_scope_finds_the_tenants_it_served_in_the_window():
    subprocessor("twilio")
    served, left_before, on_vonage = (TenantFactory() for _ in range(3))
    _number(served, Provider.TWILIO, created=NOW - 30 * HOUR, n=1)
    _number(left_before, Provider.TWILIO, created=NOW - 30 * HOUR, deactivated=NOW - 20 * HOUR, n=2)
    _number(on_vonage, Provider.VONAGE, created=NOW - 30 * HOUR, n=3)

    assert tenants_of({"kind": "subprocessor", "code": "twilio", **WINDOW}) == [served.pk]


def test_subprocessor_scope_needs_a_registry_code():
    with pytest.raises(Invalid) as unknown:
        scope_clean({"kind": "subprocessor", "code": "nobody", **WINDOW}, now=NOW)
    assert unknown.value.fields == {"code": "unknown"}


def _keyless_tenant():
    """A tenant without the keys it is created with: the test gives it its own."""
    tenant = TenantFactory()
    TenantKey.objects.for_tenant(tenant).delete()
    return tenant


def _key(tenant, *, version, master_version, purpose=TenantKey.Purpose.DATA):
    return TenantKey.objects.create(
        tenant=tenant,
        purpose=purpose,
        version=version,
        master_version=master_version,
        wrapped_key=b"not a real key",
    )


def test_key_version_scope_reads_master_versions_by_default():
    old, rewrapped, new = (_keyless_tenant() for _ in range(3))
    _key(old, version=1, master_version=1)
    _key(rewrapped, version=1, master_version=3)
    _key(new, version=4, master_version=3)

    assert tenants_of({"kind": "key_version", "version": 2}) == [old.pk]
    assert set(tenants_of({"kind": "key_version", "layer": "master", "version": 3})) == {
        old.pk,
        rewrapped.pk,
        new.pk,
    }


def test_key_version_scope_on_tenant_keys_reads_data_key_versions():
    old, new, index_only = (_keyless_tenant() for _ in range(3))
    _key(old, version=1, master_version=5)
    _key(new, version=3, master_version=5)
    _key(index_only, version=1, master_version=5, purpose=TenantKey.Purpose.INDEX)

    assert tenants_of({"kind": "key_version", "layer": "tenant", "version": 2}) == [old.pk]


def test_key_version_scope_needs_a_version():
    with pytest.raises(Invalid) as missing:
        scope_clean({"kind": "key_version", "layer": "master"}, now=NOW)
    assert missing.value.fields == {"version": "required"}
    with pytest.raises(Invalid) as layer:
        scope_clean({"kind": "key_version", "layer": "moon", "version": 1}, now=NOW)
    assert layer.value.fields == {"layer": "unknown"}


def test_explicit_scope_keeps_existing_tenants_only():
    chosen, other = TenantFactory(), TenantFactory()
    gone = "0190a0a0-0000-7000-8000-000000000000"
    scope = scope_clean({"kind": "explicit", "tenants": [str(chosen.pk), gone]}, now=NOW)
    assert scope == {"kind": "explicit", "tenants": sorted([str(chosen.pk), gone])}
    assert affected_tenant_ids(scope) == [chosen.pk]
    assert other.pk not in affected_tenant_ids(scope)


def test_explicit_scope_refuses_what_is_not_an_id():
    with pytest.raises(Invalid) as wrong:
        scope_clean({"kind": "explicit", "tenants": ["alpha-shoes"]}, now=NOW)
    assert wrong.value.fields == {"tenants": "not an id"}
    with pytest.raises(Invalid):
        scope_clean({"kind": "everyone"}, now=NOW)
