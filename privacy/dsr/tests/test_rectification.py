"""Rectification: corrected values applied, blind indexes re-computed, the audit
trail naming the fields that changed and never the values."""

import json

import pytest

from audit.models import AuditEvent
from conversations.models import ContactIdentifier
from conversations.services.contacts import contact_find, contact_get_or_create
from instaply.errors import Conflict, Invalid
from privacy.dsr.rectification import rectify
from privacy.dsr.tests.erasure_support import erasure_request, no_progress

pytestmark = pytest.mark.django_db

OLD_PHONE, NEW_PHONE = "+33612340001", "+33612340002"


@pytest.fixture
def contact(tenant_a):
    contact, _ = contact_get_or_create(
        tenant_id=tenant_a.tenant.id, kind="phone", value=OLD_PHONE, defaults={"name": "Jon Smyth"}
    )
    return contact


def _rectification(contact, corrections):
    request = erasure_request(contact.tenant, contact, request_type="rectification")
    request.corrections = corrections
    request.save(update_fields=["corrections"])
    return request


def test_rectification_applies_values_and_reindexes(tenant_a, contact):
    tenant_id = tenant_a.tenant.id
    request = _rectification(
        contact, {"name": "John Smith", "phone": "+33 6 12 34 00 02", "email": "j@smith.example"}
    )
    assert rectify(request, contact, no_progress) == {"fields_rectified": 3}
    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.email) == (
        "John Smith",
        NEW_PHONE,
        "j@smith.example",
    )
    assert contact_find(tenant_id=tenant_id, kind="phone", value=NEW_PHONE) == contact
    assert contact_find(tenant_id=tenant_id, kind="phone", value=OLD_PHONE) is None
    assert contact_find(tenant_id=tenant_id, kind="email", value="J@Smith.example") == contact
    assert ContactIdentifier.objects.filter(contact=contact).count() == 2

    event = AuditEvent.objects.get(action="privacy.request_rectified")
    assert event.target_id == str(request.pk)
    assert event.metadata["fields"] == ["email", "name", "phone"]
    written = json.dumps([e.metadata for e in AuditEvent.objects.all()])
    for value in ("John Smith", "Jon Smyth", "612340002", "612340001", "smith.example"):
        assert value not in written


def test_a_phone_another_contact_has_is_refused_and_nothing_changes(tenant_a, contact):
    contact_get_or_create(tenant_id=tenant_a.tenant.id, kind="phone", value=NEW_PHONE)
    request = _rectification(contact, {"name": "John Smith", "phone": NEW_PHONE})
    with pytest.raises(Conflict) as refused:
        rectify(request, contact, no_progress)
    assert refused.value.code == "identifier_in_use"
    assert "Another contact" in refused.value.message
    contact.refresh_from_db()
    assert (contact.name, contact.phone) == ("Jon Smyth", OLD_PHONE)
    assert contact_find(tenant_id=tenant_a.tenant.id, kind="phone", value=OLD_PHONE) == contact


def test_unchanged_values_change_nothing_and_bad_ones_are_explained(tenant_a, contact):
    assert rectify(_rectification(contact, {"phone": OLD_PHONE}), contact, no_progress) == {
        "fields_rectified": 0
    }
    with pytest.raises(Invalid):
        rectify(_rectification(contact, {"phone": "not a number"}), contact, no_progress)
    with pytest.raises(Invalid):
        rectify(_rectification(contact, {}), contact, no_progress)
