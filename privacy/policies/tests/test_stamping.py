"""Every contact and message records the privacy-policy version in force when
it was collected: by its own time, not by when it is read; drafts count for
nothing; the widget's visitor cannot claim one."""

import datetime as dt

import pytest

from conversations.models import Contact, Message
from conversations.services.contacts import contact_create, contact_get_or_create
from conversations.services.messages import message_receive, message_reply
from privacy.policies.selectors import version_in_force
from privacy.policies.tests.conftest import MONDAY
from privacy.policies.tests.helpers import chat, draft, published, widget_of

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def two_versions(dpo, clock):
    """2026-03 in force from Monday 10:00, 2026-04 from Wednesday 09:00 (both
    published on Monday 09:00, ahead of time), and a later draft."""
    first = published(dpo, "2026-03", MONDAY + HOUR, now=MONDAY)
    second = published(dpo, "2026-04", MONDAY + 2 * 24 * HOUR, now=MONDAY)
    draft(dpo, "2026-05-draft", MONDAY + 3 * 24 * HOUR)
    return first, second


def test_a_message_records_the_version_in_force_at_its_time(tenant_a, two_versions, clock):
    widget = widget_of(tenant_a)
    conversation = chat(tenant_a, widget, body="before any version")
    assert Message.objects.get(conversation=conversation).policy_version == ""

    def receive(at, body):
        clock.move_to(at)
        return message_receive(conversation=conversation, body=body).policy_version

    assert receive(MONDAY + HOUR - dt.timedelta(seconds=1), "just before") == ""
    assert receive(MONDAY + HOUR, "at the effective time") == "2026-03"
    assert receive(MONDAY + 47 * HOUR, "the day after") == "2026-03"
    assert receive(MONDAY + 48 * HOUR, "when the second takes effect") == "2026-04"
    # The draft's date passes: it counts for nothing.
    assert receive(MONDAY + 4 * 24 * HOUR, "after the draft's date") == "2026-04"
    # Stored, not computed on reading: the first messages keep their version.
    stored = list(
        Message.objects.filter(conversation=conversation)
        .order_by("created_at")
        .values_list("policy_version", flat=True)
    )
    assert stored == ["", "", "2026-03", "2026-03", "2026-04", "2026-04"]


def test_replies_and_automatic_messages_record_it_too(tenant_a, two_versions, clock):
    conversation = chat(tenant_a, widget_of(tenant_a))
    clock.move_to(MONDAY + 3 * HOUR)
    reply = message_reply(actor=tenant_a.owner, conversation=conversation, body="Yes!")
    assert reply.policy_version == "2026-03"
    assert Message.objects.get(pk=reply.pk).policy_version == "2026-03"


def test_contacts_are_stamped_when_created(tenant_a, two_versions, clock):
    tenant_id = tenant_a.tenant.pk
    before = contact_create(tenant_id=tenant_id, name="Early")
    clock.move_to(MONDAY + 2 * HOUR)
    by_phone, created = contact_get_or_create(
        tenant_id=tenant_id, kind="phone", value="+33612345678"
    )
    assert created
    clock.move_to(MONDAY + 50 * HOUR)
    by_email, _ = contact_get_or_create(
        tenant_id=tenant_id, kind="email", value="zoe@example.org", defaults={"locale": "fr"}
    )
    # Found again later: the stamp of its collection stays.
    again, created = contact_get_or_create(tenant_id=tenant_id, kind="phone", value="+33612345678")
    assert not created
    assert [before.privacy_policy_version, by_phone.privacy_policy_version] == ["", "2026-03"]
    assert [by_email.privacy_policy_version, again.privacy_policy_version] == ["2026-04", "2026-03"]


def test_the_widget_visitor_cannot_claim_a_version(client, tenant_a, two_versions, clock):
    clock.move_to(MONDAY + 2 * HOUR)
    widget = widget_of(tenant_a)
    widget.allowed_origins = ["https://shop-a.example"]
    widget.save(update_fields=["allowed_origins"])
    started = client.post(
        f"/api/widget/v1/{widget.public_key}/sessions",
        {"name": "Zoé", "age": "adult", "privacy_policy_version": "1999-fake"},
        content_type="application/json",
        HTTP_ORIGIN="https://shop-a.example",
    )
    # The field is accepted for older clients and ignored (or, once dropped
    # from the API, refused): never believed.
    assert started.status_code in (201, 400), started.json()
    if started.status_code == 400:
        assert "privacy_policy_version" in started.json()["error"]["fields"]
        return
    contact = Contact.objects.get(tenant=tenant_a.tenant)
    assert contact.privacy_policy_version == "2026-03"
    written = client.post(
        f"/api/widget/v1/{widget.public_key}/messages",
        {"body": "Hello"},
        content_type="application/json",
        HTTP_ORIGIN="https://shop-a.example",
        HTTP_X_VISITOR_TOKEN=started.json()["visitor_token"],
    )
    assert written.status_code == 201
    assert Message.objects.get(pk=written.json()["id"]).policy_version == "2026-03"


def test_drafts_are_not_in_force(dpo, clock):
    draft(dpo, "only-a-draft", MONDAY + HOUR)
    clock.move_to(MONDAY + 2 * HOUR)
    assert version_in_force() == ""
