# ruff: noqa: F811 - fixtures imported from other apps' tests are parameters here
"""The widget's age gate: its words carry the settings' ages (English and
French); a visitor answering "under 15" with the email of a known contact
marks that contact (erasure request waiting for the tenant's confirmation,
messages blocked) and nothing else is stored; a 15-17 visitor's declaration
goes into the consent ledger but replies wait for staff to record it."""

import datetime as dt

import pytest
from django.test import override_settings

from conversations.models import Contact, Message, WidgetVisitor
from conversations.services.contacts import contact_get_or_create
from conversations.services.messages import message_reply
from conversations.tests.conftest import widget_a  # noqa: F401 - fixtures
from privacy.consent.models import ConsentEntry
from privacy.dsr.models import DataSubjectRequest
from privacy.minors.services import WIDGET_CONFIRM, contact_age_set
from tenants.models import Notice, Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
ORIGIN = "https://shop-a.example"


def _api(client, widget, path, method="post", token=None, language="en", **data):
    headers = {"HTTP_ORIGIN": ORIGIN, "HTTP_ACCEPT_LANGUAGE": language}
    if token:
        headers["HTTP_X_VISITOR_TOKEN"] = token
    url = f"/api/widget/v1/{widget.public_key}/{path}"
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data, content_type="application/json", **headers)


def _known(world, email="lou@example.org"):
    contact, _ = contact_get_or_create(tenant_id=world.tenant.id, kind="email", value=email)
    return contact


def test_the_gate_speaks_the_settings_ages_in_english_and_french(client, widget_a):
    texts = _api(client, widget_a, "config", method="get").json()["age_texts"]
    assert texts["adult"] == "18 or older" and texts["minor"] == "15 to 17"
    assert texts["child"] == "Under 15"
    with override_settings(MINOR_AGE_CHILD=16, MINOR_AGE_ADULT=19):
        texts = _api(client, widget_a, "config", method="get").json()["age_texts"]
        assert (texts["adult"], texts["minor"], texts["child"]) == (
            "19 or older",
            "16 to 18",
            "Under 16",
        )
        assert "16 to 18" in texts["authorisation"]
        refused = _api(client, widget_a, "sessions", age="under-15").json()["error"]
        assert refused["code"] == "age_refused" and "under 16" in refused["message"]
        french = _api(client, widget_a, "config", method="get", language="fr").json()
        assert french["age_texts"]["child"] == "Moins de 16 ans"
        assert french["age_texts"]["adult"] == "19 ans ou plus"


def test_a_child_giving_a_known_email_marks_that_contact(client, tenant_a, widget_a):
    contact = _known(tenant_a)
    response = _api(client, widget_a, "sessions", age="under-15", email="Lou@Example.org")
    assert response.status_code == 403 and response.json()["error"]["code"] == "age_refused"
    contact.refresh_from_db()
    assert contact.age_status == "under_15"
    dsr = DataSubjectRequest.objects.get()
    assert (dsr.reason, dsr.contact_id, dsr.paused) == ("child_under_15", contact.id, True)
    # An email typed in a chat proves nothing: the tenant confirms before the erasure.
    assert dsr.events.get(kind="paused").reason == WIDGET_CONFIRM
    notice = Notice.objects.get(kind="minors.child_marked")
    assert notice.params["source"] == "widget" and notice.params["waiting"] is True
    assert not WidgetVisitor.objects.exists() and Contact.objects.count() == 1
    assert not ConsentEntry.objects.exists()


def test_a_child_with_an_unknown_email_leaves_nothing(client, tenant_a, widget_a):
    _known(tenant_a)
    response = _api(client, widget_a, "sessions", age="under-15", email="nobody@example.org")
    assert response.status_code == 403
    assert Contact.objects.count() == 1 and Contact.objects.get().age_status == "unknown"
    assert not DataSubjectRequest.objects.exists() and not WidgetVisitor.objects.exists()


def test_a_15_to_17_declaration_is_recorded_and_replies_wait_for_staff(client, tenant_a, widget_a):
    response = _api(
        client, widget_a, "sessions", age="15-17", parental_authorisation=True, email="m@ex.org"
    )
    assert response.status_code == 201
    assert "confirmed the authorisation" in response.json()["notice"]
    contact = Contact.objects.get()
    assert contact.age_status == "minor_unauthorised"
    entry = ConsentEntry.objects.get()
    assert (entry.purpose, entry.action, entry.channel) == (
        "parental_authorisation",
        "given",
        "widget",
    )
    assert entry.details == {"given_by": "declared by the visitor"}
    assert "parent or guardian authorises me" in entry.text
    reply = tenant_a.client(Role.AGENT).post(
        f"/api/v1/conversations/{WidgetVisitor.objects.get().conversation_id}/messages",
        {"body": "Hello"},
        format="json",
    )
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "parental_authorisation_required"


def test_a_returning_visitor_never_lowers_the_protection(client, tenant_a, widget_a):
    held = _known(tenant_a, "held@example.org")
    contact_age_set(contact=held, age_status="minor_unauthorised", membership=tenant_a.owner)
    adult = _api(client, widget_a, "sessions", age="adult", email="held@example.org")
    assert adult.status_code == 201 and adult.json()["notice"]
    assert Contact.objects.get(pk=held.pk).age_status == "minor_unauthorised"
    grown = _known(tenant_a, "grown@example.org")
    contact_age_set(contact=grown, age_status="adult", membership=tenant_a.owner)
    _api(client, widget_a, "sessions", age="15-17", parental_authorisation=True,
         email="grown@example.org")  # fmt: skip
    assert Contact.objects.get(pk=grown.pk).age_status == "minor_unauthorised"
    unknown = _known(tenant_a, "new@example.org")
    _api(client, widget_a, "sessions", age="adult", email="new@example.org")
    assert Contact.objects.get(pk=unknown.pk).age_status == "adult"


def test_a_chat_marked_under_15_closes_for_the_visitor(
    client, tenant_a, widget_a, django_capture_on_commit_callbacks
):
    started = _api(client, widget_a, "sessions", age="adult", email="kid@example.org").json()
    token = started["visitor_token"]
    visitor = WidgetVisitor.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        message_reply(actor=tenant_a.owner, conversation=visitor.conversation, body="Hi there")
    contact_age_set(contact=visitor.contact, age_status="under_15", membership=tenant_a.owner)
    for path, method in (("messages", "get"), ("messages", "post")):
        response = _api(client, widget_a, path, method=method, token=token, body="hello")
        assert response.status_code == 403 and response.json()["error"]["code"] == "age_refused"
    again = _api(client, widget_a, "sessions", age="adult", email="kid@example.org")
    assert again.status_code == 403
    assert Message.objects.filter(direction="inbound").count() == 0


def test_a_held_visitor_never_reads_a_reply_refused_as_it_left(
    client, tenant_a, widget_a, django_capture_on_commit_callbacks
):
    started = _api(client, widget_a, "sessions", age="adult", email="t@example.org").json()
    visitor = WidgetVisitor.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        message_reply(actor=tenant_a.owner, conversation=visitor.conversation, body="Secret")
    contact_age_set(
        contact=visitor.contact, age_status="minor_unauthorised", membership=tenant_a.owner
    )
    for callback in queued:
        callback()
    thread = _api(client, widget_a, "messages", method="get", token=started["visitor_token"])
    assert thread.json()["results"] == []
    assert Message.objects.get(direction="outbound").failure_code == (
        "parental_authorisation_required"
    )


def test_the_tenant_confirms_a_widget_mark_by_answering_the_request(client, tenant_a, widget_a):
    from privacy.dsr.services import dsr_answer

    _known(tenant_a)
    _api(client, widget_a, "sessions", age="under-15", email="lou@example.org")
    dsr = DataSubjectRequest.objects.get()
    assert dsr.due_at is None  # the clock waits for the tenant
    page = verified_client(tenant_a.owner.user).get(f"/settings/privacy/{dsr.id}/")
    assert "declared being under the minimum age" in page.content.decode()
    dsr = dsr_answer(membership=tenant_a.owner, dsr=dsr, note="Checked with the parents")
    assert not dsr.paused and dsr.due_at is not None and dsr.state == "received"


def _parental_state(html: str) -> str:
    """The consent panel's state of the parental authorisation, or "" when none."""
    marker = 'data-consent-state="parental_authorisation">'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</dd>", 1)[0]


def test_a_declaration_never_reads_as_an_authorisation_the_hold_does_not_lift(
    client, tenant_a, widget_a
):
    """Only staff entries decide the parental authorisation: the visitor's own
    declaration stays in the ledger as a declaration, and neither the stored
    state, the API nor the page read it as given, even when it is the newest
    entry after staff withdrew an authorisation."""
    from privacy.consent.selectors import consent_current, consent_given, consent_ledger
    from privacy.minors.services import (
        parental_authorisation_record,
        parental_authorisation_withdraw,
    )

    def declare():
        response = _api(
            client, widget_a, "sessions", age="15-17", parental_authorisation=True,
            email="m@ex.org",
        )  # fmt: skip
        assert response.status_code == 201
        return Contact.objects.get()

    def shown(contact):
        conversation = WidgetVisitor.objects.filter(contact=contact).first().conversation
        api = tenant_a.client(Role.AGENT).get(f"/api/v1/contacts/{contact.id}/consents").json()
        current = {state["purpose"]: state["given"] for state in api["current"]}
        html = verified_client(tenant_a.owner.user).get(f"/c/{conversation.pk}/").content
        reply = tenant_a.client(Role.AGENT).post(
            f"/api/v1/conversations/{conversation.id}/messages", {"body": "Hi"}, format="json"
        )
        return current, html.decode(), reply

    contact = declare()
    assert contact.age_status == "minor_unauthorised"
    assert consent_current(contact, "parental_authorisation") is None
    assert not consent_given(contact, "parental_authorisation")
    assert [e.channel for e in consent_ledger(contact)] == ["widget"]  # kept, as a declaration
    current, html, reply = shown(contact)
    assert "parental_authorisation" not in current
    assert _parental_state(html) == ""
    assert "Declared by the visitor" in html and "not an authorisation" in html
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "parental_authorisation_required"

    # Staff record an authorisation, then withdraw it; the visitor declares again.
    parental_authorisation_record(
        contact=contact, membership=tenant_a.owner, given_by="Her father",
        given_on=dt.date(2026, 1, 5), method="phone",
    )  # fmt: skip
    parental_authorisation_withdraw(contact=contact, membership=tenant_a.owner)
    client.cookies.clear()
    contact = declare()
    assert contact.age_status == "minor_unauthorised"
    newest = consent_ledger(contact)[-1]
    assert (newest.channel, newest.action) == ("widget", "given")
    assert consent_current(contact, "parental_authorisation").channel == "staff"
    assert not consent_given(contact, "parental_authorisation")
    current, html, reply = shown(contact)
    assert current["parental_authorisation"] is False
    assert "Withdrawn" in _parental_state(html) and "Given" not in _parental_state(html)
    assert reply.status_code == 409
