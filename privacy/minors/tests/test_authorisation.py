# ruff: noqa: F811 - fixtures imported from other apps' tests are parameters here
"""A 15-17-year-old without a recorded parental authorisation is held: replies
are refused (409) until staff record who authorised, when and how, which goes
into the consent ledger; withdrawing it holds them again."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from audit.models import AuditEvent
from conversations.models import Contact, Message
from conversations.services.messages import message_send_automatic
from conversations.tests.conftest import conversation_a, widget_a  # noqa: F401 - fixtures
from instaply.errors import Conflict, Forbidden, Invalid
from privacy.consent.models import ConsentEntry
from privacy.consent.selectors import consent_current, consent_ledger
from privacy.dsr.models import DataSubjectRequest
from privacy.minors.services import (
    contact_age_set,
    parental_authorisation_record,
    parental_authorisation_withdraw,
)
from tenants.models import Role

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


def _reply(world, conversation, role=Role.AGENT):
    return world.client(role).post(
        f"/api/v1/conversations/{conversation.id}/messages", {"body": "Hello!"}, format="json"
    )


def _hold(world, contact):
    return contact_age_set(
        contact=contact, age_status="minor_unauthorised", membership=world.members[Role.AGENT]
    )


def test_a_held_minor_gets_no_reply_until_staff_record_the_authorisation(tenant_a, conversation_a):
    contact = conversation_a.contact
    _hold(tenant_a, contact)
    refused = _reply(tenant_a, conversation_a)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "parental_authorisation_required"
    assert "no parental authorisation is recorded" in error["message"]
    assert message_send_automatic(conversation=conversation_a, body="Closed", service=True) is None
    with time_machine.travel(NOW, tick=False):
        response = tenant_a.client(Role.AGENT).post(
            f"/api/v1/contacts/{contact.id}/parental-authorisation",
            {"given_by": "Her mother, Anne Martin", "given_on": "2026-05-03", "method": "phone"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert response.json()["age_status"] == "minor_authorised"
    assert response.json()["blocked"] is None
    assert _reply(tenant_a, conversation_a).status_code == 201
    assert not DataSubjectRequest.objects.exists()


def test_the_authorisation_is_in_the_ledger_with_who_when_and_how(tenant_a, conversation_a):
    contact = conversation_a.contact
    _hold(tenant_a, contact)
    agent = tenant_a.members[Role.AGENT]
    with time_machine.travel(NOW, tick=False):
        entry = parental_authorisation_record(
            contact=contact,
            membership=agent,
            given_by="Her father",
            given_on=dt.date(2026, 5, 1),
            method="written",
            note="Signed form in the shop's file",
        )
    [stored] = consent_ledger(Contact.objects.get(pk=contact.pk))
    assert stored.pk == entry.pk
    assert (stored.purpose, stored.action, stored.channel) == (
        "parental_authorisation",
        "given",
        "staff",
    )
    assert stored.recorded_by == agent and stored.occurred_at == NOW
    assert stored.details == {
        "given_by": "Her father",
        "given_on": "2026-05-01",
        "method": "written",
        "note": "Signed form in the shop's file",
    }
    # Encrypted under the contact: the column holds no clear text.
    raw = ConsentEntry.objects.filter(pk=entry.pk).values_list("details", flat=True).get()
    assert "Her father" not in str(raw)
    changed = AuditEvent.objects.filter(action="contact.age_changed", created_at=NOW).get()
    assert changed.metadata == {
        "from": "minor_unauthorised",
        "to": "minor_authorised",
        "source": "staff",
        "entry_id": str(entry.pk),
    }
    assert "Her father" not in str(list(AuditEvent.objects.values_list("metadata", flat=True)))


def test_withdrawal_holds_the_minor_again(tenant_a, conversation_a):
    contact = conversation_a.contact
    _hold(tenant_a, contact)
    parental_authorisation_record(
        contact=contact,
        membership=tenant_a.owner,
        given_by="Guardian",
        given_on=dt.date(2026, 1, 5),
        method="in_person",
    )
    response = tenant_a.client(Role.AGENT).delete(
        f"/api/v1/contacts/{contact.id}/parental-authorisation",
        {"note": "The guardian called back"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["blocked"] == (
        "parental_authorisation_required"
    )
    current = consent_current(contact, "parental_authorisation")
    assert current.action == "withdrawn" and current.details == {"note": "The guardian called back"}
    assert _reply(tenant_a, conversation_a).status_code == 409
    with pytest.raises(Conflict):
        parental_authorisation_withdraw(contact=contact, membership=tenant_a.owner)


def test_the_hold_is_lifted_only_by_recording_the_authorisation(tenant_a, conversation_a):
    contact = conversation_a.contact
    _hold(tenant_a, contact)
    with pytest.raises(Invalid) as direct:
        contact_age_set(contact=contact, age_status="minor_authorised", membership=tenant_a.owner)
    assert direct.value.code == "parental_authorisation_details_required"
    bad = {
        "given_by": ["", "x" * 151],
        "given_on": [None, dt.date(2099, 1, 1)],
        "method": ["telepathy"],
    }
    good = {"given_by": "Mother", "given_on": dt.date(2026, 1, 1), "method": "phone"}
    for field, values in bad.items():
        for value in values:
            with pytest.raises(Invalid) as refused:
                parental_authorisation_record(
                    contact=contact, membership=tenant_a.owner, **(good | {field: value})
                )
            assert field in refused.value.fields
    assert not ConsentEntry.objects.exists()
    assert Contact.objects.get(pk=contact.pk).age_status == "minor_unauthorised"


def test_no_authorisation_for_a_child_under_15(tenant_a, conversation_a):
    contact = contact_age_set(
        contact=conversation_a.contact, age_status="under_15", membership=tenant_a.owner
    )
    with pytest.raises(Conflict) as refused:
        parental_authorisation_record(
            contact=contact,
            membership=tenant_a.owner,
            given_by="Mother",
            given_on=dt.date(2026, 1, 1),
            method="phone",
        )
    assert refused.value.code == "minor_under_15"


def test_viewers_cannot_and_other_tenants_contacts_are_404(tenant_a, tenant_b, conversation_a):
    contact = conversation_a.contact
    _hold(tenant_a, contact)
    url = f"/api/v1/contacts/{contact.id}/parental-authorisation"
    body = {"given_by": "Mother", "given_on": "2026-01-01", "method": "phone"}
    assert tenant_a.client(Role.VIEWER).post(url, body, format="json").status_code == 403
    assert tenant_a.client(Role.PRIVACY).post(url, body, format="json").status_code == 403
    assert tenant_b.client(Role.OWNER).post(url, body, format="json").status_code == 404
    assert tenant_b.client(Role.OWNER).delete(url, format="json").status_code == 404
    with pytest.raises(Forbidden):
        parental_authorisation_record(
            contact=contact, membership=tenant_a.members[Role.VIEWER], **_body_values()
        )
    with pytest.raises(Exception) as crossed:
        parental_authorisation_record(contact=contact, membership=tenant_b.owner, **_body_values())
    assert getattr(crossed.value, "status_code", None) == 404
    assert not ConsentEntry.objects.exists()
    assert Contact.objects.get(pk=contact.pk).age_status == "minor_unauthorised"


def _body_values():
    return {"given_by": "Mother", "given_on": dt.date(2026, 1, 1), "method": "phone"}


@override_settings(MINOR_AGE_CHILD=16, MINOR_AGE_ADULT=21)
def test_an_age_in_years_is_placed_by_the_settings_thresholds(tenant_a, conversation_a):
    contact = conversation_a.contact
    url = f"/api/v1/contacts/{contact.id}/age"
    client = tenant_a.client(Role.AGENT)
    assert client.post(url, {"age": 19}, format="json").json()["age_status"] == (
        "minor_unauthorised"
    )
    refused = _reply(tenant_a, conversation_a).json()["error"]["message"]
    assert "16 to 20" in refused
    assert client.post(url, {"age": 21}, format="json").json()["age_status"] == "adult"
    both = client.post(url, {"age": 21, "age_status": "adult"}, format="json")
    assert both.status_code == 400
    assert client.post(url, {"age": 15}, format="json").json()["age_status"] == "under_15"
    assert DataSubjectRequest.objects.get().reason == "child_under_15"
    assert not Message.objects.filter(direction="outbound").exists()


def test_an_authorised_minor_keeps_the_authorisation_when_the_age_is_given(
    tenant_a, conversation_a
):
    contact = conversation_a.contact
    _hold(tenant_a, contact)
    parental_authorisation_record(contact=contact, membership=tenant_a.owner, **_body_values())
    contact = contact_age_set(contact=contact, age=16, membership=tenant_a.owner)
    assert contact.age_status == "minor_authorised"
    contact = contact_age_set(
        contact=contact, age_status="minor_unauthorised", membership=tenant_a.owner
    )
    # Staff moving an authorised minor back to held is a withdrawal on the ledger.
    assert consent_current(contact, "parental_authorisation").action == "withdrawn"
