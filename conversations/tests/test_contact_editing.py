"""Staff editing a contact: name, email, notes, manual opt-outs and restriction,
each change audited by field name, never by value."""

import pytest
from django.db import connection

from audit.models import AuditEvent
from conversations.models import Contact
from conversations.services.contacts import contact_update
from conversations.tests.factories import ContactFactory
from instaply.errors import Conflict, Forbidden, Invalid
from tenants.models import Role

pytestmark = pytest.mark.django_db


def _raw_notes(contact) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT notes FROM {Contact._meta.db_table} WHERE id = %s",  # noqa: S608
            [contact.pk.hex if connection.vendor == "sqlite" else contact.pk],
        )
        value = cursor.fetchone()[0]
    return bytes(value) if value is not None else b""


def test_notes_are_encrypted_and_the_audit_names_fields_not_values(tenant_a):
    contact = ContactFactory(tenant=tenant_a.tenant, name="Léa")
    agent = tenant_a.members[Role.AGENT]
    contact_update(
        actor=agent, contact=contact, name="Léa Dupont", notes="Allergic to nuts", email=""
    )
    fresh = Contact.objects.for_tenant(tenant_a.tenant).get(pk=contact.pk)
    assert (fresh.name, fresh.notes) == ("Léa Dupont", "Allergic to nuts")
    assert b"Allergic" not in _raw_notes(contact)
    event = AuditEvent.objects.get(action="contact.updated", target_id=str(contact.pk))
    assert event.metadata == {"fields": ["name", "notes"]}  # the blank email was no change
    assert "Dupont" not in str(event.metadata) and "nuts" not in str(event.metadata)


def test_staff_opt_a_contact_out_but_only_the_contact_opts_back_in_to_sms(tenant_a):
    contact = ContactFactory(tenant=tenant_a.tenant)
    agent = tenant_a.members[Role.AGENT]
    contact_update(actor=agent, contact=contact, opted_out_channels=["sms", "widget"])
    contact.refresh_from_db()
    assert contact.opted_out_channels == ["sms", "widget"]
    event = AuditEvent.objects.get(action="contact.updated")
    assert event.metadata["opted_out"] == ["sms", "widget"] and event.metadata["opted_in"] == []
    contact_update(actor=agent, contact=contact, opted_out_channels=["sms"])  # widget back in
    contact.refresh_from_db()
    assert contact.opted_out_channels == ["sms"]
    with pytest.raises(Invalid) as refused:
        contact_update(actor=agent, contact=contact, opted_out_channels=[])
    assert "START" in refused.value.fields["opted_out_channels"][0]
    with pytest.raises(Invalid):
        contact_update(actor=agent, contact=contact, opted_out_channels=["fax"])
    contact.refresh_from_db()
    assert contact.opted_out_channels == ["sms"]


def test_agents_restrict_processing_and_only_owners_lift_it(tenant_a):
    contact = ContactFactory(tenant=tenant_a.tenant)
    contact_update(actor=tenant_a.members[Role.AGENT], contact=contact, processing_restricted=True)
    contact.refresh_from_db()
    assert contact.processing_restricted
    for role in (Role.AGENT, Role.ADMIN):
        with pytest.raises(Forbidden):
            contact_update(
                actor=tenant_a.members[role], contact=contact, processing_restricted=False
            )
    contact_update(actor=tenant_a.owner, contact=contact, processing_restricted=False)
    contact.refresh_from_db()
    assert not contact.processing_restricted
    changes = AuditEvent.objects.filter(action="contact.updated").order_by("id")
    assert [e.metadata["processing_restricted"] for e in changes] == [True, False]


def test_bad_values_are_refused_by_field_and_nothing_is_written(tenant_a):
    taken = ContactFactory(tenant=tenant_a.tenant)
    contact_update(actor=tenant_a.owner, contact=taken, email="taken@example.org")
    contact = ContactFactory(tenant=tenant_a.tenant, name="Before")
    agent = tenant_a.members[Role.AGENT]
    for changes, field in (
        ({"name": "x" * 151}, "name"),
        ({"notes": "x" * 2001}, "notes"),
        ({"email": "TAKEN@example.org"}, "email"),
        ({"phone": "12"}, "phone"),
    ):
        with pytest.raises(Invalid) as refused:
            contact_update(actor=agent, contact=contact, **({"name": "After"} | changes))
        assert field in refused.value.fields
    contact.refresh_from_db()
    assert contact.name == "Before"


def test_an_erased_contact_cannot_be_edited(tenant_a):
    from django.utils import timezone

    contact = ContactFactory(tenant=tenant_a.tenant, erased_at=timezone.now())
    with pytest.raises(Conflict):
        contact_update(actor=tenant_a.owner, contact=contact, notes="x")


def test_the_api_edits_notes_and_opt_outs_with_the_same_rules(tenant_a, tenant_b):
    contact = ContactFactory(tenant=tenant_a.tenant)
    path = f"/api/v1/contacts/{contact.id}"
    agent = tenant_a.client(Role.AGENT)
    answer = agent.patch(path, {"notes": "VIP", "opted_out_channels": ["widget"]}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["notes"] == "VIP" and answer.json()["opted_out_channels"] == ["widget"]
    bad = agent.patch(path, {"opted_out_channels": ["fax"]}, format="json")
    assert bad.status_code == 400 and "opted_out_channels" in str(bad.json())
    agent.patch(path, {"processing_restricted": True}, format="json")
    lift = agent.patch(path, {"processing_restricted": False}, format="json")
    assert lift.status_code == 403
    assert lift.json()["error"]["code"] == "restriction_lift_refused"
    assert (
        tenant_a.client(Role.VIEWER).patch(path, {"notes": "x"}, format="json").status_code == 403
    )
    assert tenant_b.client().patch(path, {"notes": "x"}, format="json").status_code == 404
    read = tenant_a.client(Role.VIEWER).get(path)
    assert read.json()["notes"] == "VIP"
    event = AuditEvent.objects.filter(action="personal_data.read", target_id=str(contact.pk))
    assert "notes" in event.last().metadata["fields"]
