"""Staff and the ledger: the contact panel and GET/POST /api/v1/contacts/{id}/consents.

Reading is for every role that reads conversations (audited as a read of
personal data); recording is for the roles that write them (owner, admin,
agent: the person tells the agent in the conversation); viewers cannot.
"""

import pytest

from audit.models import AuditEvent
from conversations.models import Contact, Conversation, Message
from instaply.errors import NotFound
from privacy.consent.models import ConsentEntry
from privacy.consent.services import consent_record_for_subject, consent_sms_keyword
from privacy.consent.tests.conftest import Visitor
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

MARKETING = {
    "purpose": "marketing",
    "action": "given",
    "text": "Our monthly offers, by text.",
    "text_version": "2026-03",
}


@pytest.fixture
def person(client, consent_widget):
    """A visitor who consented and wrote under the consent, and their contact."""
    visitor = Visitor(client, consent_widget, name="Inès Petit")
    visitor.give()
    visitor.write("my knee surgery is on Monday")
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    return conversation.contact, conversation


def _url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/consents"


def test_every_reading_role_sees_the_ledger_and_the_read_is_audited(tenant_a, person):
    contact, _ = person
    consent_sms_keyword(contact=contact, stop=True, word="STOP")
    for role in (Role.OWNER, Role.ADMIN, Role.AGENT, Role.VIEWER):
        response = tenant_a.client(role).get(_url(contact))
        assert response.status_code == 200, (role, response.json())
    body = response.json()
    assert [(e["purpose"], e["action"], e["channel"]) for e in body["results"]] == [
        ("special_category_data", "given", "widget"),
        ("sms_messages", "withdrawn", "sms_keyword"),
    ]
    assert body["results"][1]["details"] == {"keyword": "STOP", "word": "STOP"}
    assert {s["purpose"]: s["given"] for s in body["current"]} == {
        "special_category_data": True,
        "sms_messages": False,
    }
    reads = AuditEvent.objects.filter(
        action="personal_data.read", target_kind="contact", target_id=str(contact.pk)
    )
    assert reads.count() == 4
    assert reads.first().metadata == {"fields": ["consents"], "count": 2}
    assert tenant_a.client(Role.PRIVACY).get(_url(contact)).status_code == 403


def test_an_agent_records_a_consent_and_a_withdrawal_given_by_the_person(tenant_a, person):
    contact, conversation = person
    agent = tenant_a.client(Role.AGENT)
    given = agent.post(_url(contact), MARKETING, format="json")
    assert given.status_code == 201, given.json()
    assert given.json()["channel"] == "staff"
    assert given.json()["recorded_by"] == str(tenant_a.members[Role.AGENT].pk)
    assert given.json()["text_version"] == "2026-03"
    withdrawn = agent.post(
        _url(contact),
        {"purpose": "special_category_data", "action": "withdrawn"},
        format="json",
    )
    assert withdrawn.status_code == 201, withdrawn.json()
    assert withdrawn.json()["details"]["deleted_messages"] == 1
    assert not Message.objects.filter(conversation=conversation).exists()
    state = {s["purpose"]: s["given"] for s in agent.get(_url(contact)).json()["current"]}
    assert state == {"special_category_data": False, "marketing": True}


def test_viewers_and_privacy_officers_cannot_record(tenant_a, person):
    contact, _ = person
    for role in (Role.VIEWER, Role.PRIVACY):
        response = tenant_a.client(role).post(_url(contact), MARKETING, format="json")
        assert response.status_code == 403, role
    assert ConsentEntry.objects.filter(purpose="marketing").count() == 0
    assert AuditEvent.objects.filter(action="access.denied").count() == 2


def test_another_tenants_contact_is_not_found(tenant_a, tenant_b, person):
    contact, _ = person
    for method in ("get", "post"):
        response = getattr(tenant_b.client(Role.OWNER), method)(
            _url(contact), MARKETING, format="json"
        )
        assert response.status_code == 404
    # The service refuses a member of another tenant too, whatever the caller.
    with pytest.raises(NotFound):
        consent_record_for_subject(actor=tenant_b.owner, contact=contact, **MARKETING)
    with pytest.raises(NotFound):
        consent_record_for_subject(
            actor=tenant_b.owner,
            contact=contact,
            purpose="special_category_data",
            action="withdrawn",
        )
    assert ConsentEntry.objects.filter(purpose="marketing").count() == 0
    assert Message.objects.filter(contact=contact).count() == 1


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"purpose": "sms_messages", "action": "given", "text": "x"}, 400, "purpose"),
        ({"purpose": "parental_authorisation", "action": "given", "text": "x"}, 400, "purpose"),
        ({"purpose": "marketing", "action": "maybe", "text": "x"}, 400, "action"),
        ({"purpose": "marketing", "action": "given", "text": "  "}, 400, "text"),
        ({"purpose": "marketing", "action": "given", "text": "x", "extra": 1}, 400, "extra"),
        ({"purpose": "marketing", "action": "withdrawn"}, 409, "consent_not_given"),
    ],
)
def test_bad_requests_say_what_is_wrong_and_record_nothing(tenant_a, person, body, status, problem):
    contact, _ = person
    before = ConsentEntry.objects.count()
    response = tenant_a.client(Role.AGENT).post(_url(contact), body, format="json")
    assert response.status_code == status, response.json()
    error = response.json()["error"]
    assert problem in (error.get("fields") or {}) or error["code"] == problem
    assert ConsentEntry.objects.count() == before


def test_the_contact_panel_shows_the_state_and_the_ledger(tenant_a, person):
    contact, conversation = person
    consent_sms_keyword(contact=contact, stop=True, word="STOP")
    page = verified_client(tenant_a.members[Role.VIEWER].user).get(f"/c/{conversation.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-consent-state="special_category_data"' in html
    assert html.count("data-consent-entry=") == 2
    assert "texted STOP" in html and "text version 1" in html and "the visitor" in html
    # A viewer reads it but gets no form to record.
    assert 'name="purpose"' not in html
    read = AuditEvent.objects.filter(action="personal_data.read").last()
    assert "consents" in read.metadata["fields"]


def test_staff_record_from_the_panel_and_viewers_are_refused(tenant_a, person):
    contact, conversation = person
    url = f"/c/{conversation.pk}/consents"
    viewer = verified_client(tenant_a.members[Role.VIEWER].user)
    assert viewer.post(url, MARKETING).status_code == 403
    agent = verified_client(tenant_a.members[Role.AGENT].user)
    assert 'name="purpose"' in agent.get(f"/c/{conversation.pk}/").content.decode()
    done = agent.post(url, {"purpose": "special_category_data", "action": "withdrawn"}, follow=True)
    assert "1 message(s) sent under the consent deleted" in done.content.decode()
    refused = agent.post(url, {"purpose": "marketing", "action": "given", "text": ""}, follow=True)
    assert "Write the text the person agreed to" in refused.content.decode()
    entries = ConsentEntry.objects.filter(contact=contact).order_by("occurred_at")
    assert [(e.purpose, e.action, e.channel) for e in entries] == [
        ("special_category_data", "given", "widget"),
        ("special_category_data", "withdrawn", "staff"),
    ]
    assert not Contact.objects.get(pk=contact.pk).opted_out_channels
