import hashlib
import hmac

import pytest

from instaply.errors import Invalid
from privacy import keyring
from privacy.blind_index import blind_index, normalise_email, normalise_phone

pytestmark = pytest.mark.django_db


def test_same_value_same_index_within_a_tenant(tenant_a):
    tid = tenant_a.tenant.id
    assert blind_index(tid, "phone", "+33612345678") == blind_index(tid, "phone", "+33612345678")
    assert len(blind_index(tid, "phone", "+33612345678")) == 64


def test_tenants_and_kinds_get_unrelated_indexes(tenant_a, tenant_b):
    a, b = tenant_a.tenant.id, tenant_b.tenant.id
    assert blind_index(a, "email", "x@example.org") != blind_index(b, "email", "x@example.org")
    assert blind_index(a, "email", "x") != blind_index(a, "social", "x")


def test_the_index_key_is_derived_not_the_root(tenant_a):
    tid = tenant_a.tenant.id
    root = keyring.tenant_key_material(keyring.current_tenant_key(tid, keyring.Purpose.INDEX))
    plain_hmac = hmac.new(root, b"+33612345678", hashlib.sha256).hexdigest()
    assert blind_index(tid, "phone", "+33612345678") != plain_hmac


def test_index_survives_tenant_key_rotation(tenant_a):
    from privacy.services.keys import tenant_key_rotate

    tid = tenant_a.tenant.id
    before = blind_index(tid, "phone", "+33612345678")
    tenant_key_rotate(tenant_id=tid)
    keyring.cache.clear()
    assert blind_index(tid, "phone", "+33612345678") == before


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+33 6 12 34 56 78", None, "+33612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("(415) 555-2671", "US", "+14155552671"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, region, e164):
    assert normalise_phone(raw, region) == e164


def test_garbage_phone_numbers_are_refused_clearly():
    with pytest.raises(Invalid):
        normalise_phone("call me maybe")


def test_emails_are_normalised():
    assert normalise_email("  Alice@Example.ORG ") == "alice@example.org"


def test_unknown_kind_is_a_programming_error(tenant_a):
    with pytest.raises(ValueError):
        blind_index(tenant_a.tenant.id, "shoe-size", "42")
