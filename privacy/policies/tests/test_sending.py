"""A tenant's service message about a new version: one message per contact
active within the retention period, on its latest conversation, in its
language. A marketing objection, an objection to all processing or restricted
processing does not stop it (a service message); an SMS STOP does (the
carrier's rule). The tenant sees how many were not sent and why; a run
repeated or resumed after a crash writes to nobody twice."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from channels_sms.tests.conftest import sms_setup
from conversations.models import Contact, Conversation, Message
from conversations.services.contacts import contact_set_opt_out
from conversations.services.messages import message_receive
from privacy.policies import announce, sending, tasks
from privacy.policies.models import PolicyServiceMessage
from privacy.policies.tests.conftest import MONDAY
from privacy.policies.tests.helpers import SERVICE, chat, published, widget_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(dpo, clock):
    return published(dpo, "2026-03", MONDAY, **SERVICE)


@pytest.fixture
def world(clock, tenant_a, settings):
    """Tenant A sends service messages; its contacts, by what should happen."""
    settings.PUBLIC_BASE_URL = "https://instaply.example"
    tenant_a.tenant.send_policy_messages = True
    tenant_a.tenant.save(update_fields=["send_policy_messages"])
    widget = widget_of(tenant_a)
    numbers = sms_setup(tenant_a.tenant, tenant_a.shop)
    people = {
        "plain": chat(tenant_a, widget, locale="en-GB"),
        "french": chat(tenant_a, widget, locale="fr-FR"),
        "unknown_language": chat(tenant_a, widget),
        "marketing_objection": chat(tenant_a, widget, objections=["marketing"]),
        "objects_to_all": chat(tenant_a, widget, objections=["all"]),
        "restricted": chat(tenant_a, widget, processing_restricted=True),
        "sms": _sms(tenant_a, numbers.twilio_number, "+33611111111"),
        "sms_stop": _sms(tenant_a, numbers.twilio_number, "+33622222222"),
        "being_erased": chat(tenant_a, widget),
    }
    contact_set_opt_out(
        contact=people["sms_stop"].contact, channel="sms", opted_out=True, source="sms_keyword"
    )
    Contact.objects.filter(pk=people["being_erased"].contact_id).update(erased_at=MONDAY)
    # A switched-off widget cannot carry it.
    other_widget = widget_of(tenant_a)
    people["widget_off"] = chat(tenant_a, other_widget)
    other_widget.active = False
    other_widget.save(update_fields=["active"])
    # Two conversations: the latest one gets it, once.
    people["two_chats"] = chat(tenant_a, widget)
    older = Conversation.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, contact=people["two_chats"].contact,
        channel="widget", endpoint_id=widget.pk, status=Conversation.Status.CLOSED,
        last_activity_at=MONDAY - dt.timedelta(days=3),
    )  # fmt: skip
    people["two_chats_older"] = older
    # Quiet for longer than the retention period (730 days by default): left alone.
    people["stale"] = chat(tenant_a, widget)
    Conversation.objects.filter(pk=people["stale"].pk).update(
        last_activity_at=MONDAY - dt.timedelta(days=731)
    )
    # No conversation at all: nothing to write on.
    Contact(tenant=tenant_a.tenant, name="Nobody").save(force_insert=True)
    return people


def _sms(world, number, phone):
    from conversations.services.contacts import contact_get_or_create

    contact, _ = contact_get_or_create(tenant_id=world.tenant.pk, kind="phone", value=phone)
    conversation = Conversation.objects.create(
        tenant=world.tenant, shop=world.shop, contact=contact, channel="sms", endpoint_id=number.pk
    )
    message_receive(conversation=conversation, body="Hello")
    conversation.refresh_from_db()
    return conversation


def _queued(world_tenant, version) -> PolicyServiceMessage:
    message = announce.service_message_queue(version=version, tenant=world_tenant)
    assert message is not None
    return message


def _service_messages(conversation) -> list[Message]:
    return list(Message.objects.filter(conversation=conversation, service=True))


EXPECTED = {"sent": 8, "not_sent": {"opted_out": 1, "channel_refused": 1, "erased": 1}}


def test_who_gets_it_and_why_the_others_do_not(tenant_a, world, version):
    before = {key: Conversation.objects.get(pk=c.pk).last_activity_at for key, c in world.items()}
    message = _queued(tenant_a.tenant, version)
    sending.service_messages_send(message_id=message.pk, batch=3)
    message.refresh_from_db()
    assert message.state == "done" and message.finished_at == MONDAY
    assert message.counts == EXPECTED

    received = {key: _service_messages(c) for key, c in world.items()}
    for key in ("plain", "marketing_objection", "objects_to_all", "restricted", "sms"):
        (sent,) = received[key]
        assert sent.body == SERVICE["service_message_en"], key
        assert (sent.status, sent.sender_kind, sent.policy_version) == (
            "queued",
            "system",
            "2026-03",
        ), key
    assert [m.body for m in received["french"]] == [SERVICE["service_message_fr"]]
    assert [m.body for m in received["unknown_language"]] == [SERVICE["service_message_en"]]
    assert len(received["two_chats"]) == 1 and received["two_chats_older"] == []
    for key in ("sms_stop", "widget_off", "being_erased", "stale"):
        assert received[key] == [], key
    # Not the conversations' activity: the inbox order and retention stay.
    for key, conversation in world.items():
        conversation.refresh_from_db()
        assert conversation.last_activity_at == before[key], key

    (event,) = AuditEvent.objects.filter(action="policy.messages_sent")
    assert (event.tenant_id, event.target_id) == (tenant_a.tenant.pk, str(message.pk))
    assert event.metadata == {
        "version": "2026-03",
        "version_id": str(version.pk),
        "sent": 8,
        "not_sent": 3,
        "reasons": ["channel_refused:1", "erased:1", "opted_out:1"],
    }


def test_a_second_run_and_a_resumed_run_send_once(tenant_a, world, version):
    message = _queued(tenant_a.tenant, version)
    # A worker lost after its first batch: that batch committed with its progress.
    assert sending._batch(message.pk, batch=4) is True
    message.refresh_from_db()
    assert message.state == "sending"
    assert message.counts["progress"]["after"]
    first = Message.objects.filter(service=True).count()
    assert 0 < first <= 4
    tasks.send_service_messages(str(message.pk))
    tasks.send_service_messages(str(message.pk))
    message.refresh_from_db()
    assert message.counts == EXPECTED  # the progress is gone once done
    assert Message.objects.filter(service=True).count() == 8
    per_contact = Message.objects.filter(service=True).values_list("contact_id", flat=True)
    assert len(set(per_contact)) == 8
    assert AuditEvent.objects.filter(action="policy.messages_sent").count() == 1


def test_the_announcement_queues_and_sends_it_once(
    tenant_a, world, version, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.announce_to_tenant(str(version.pk), str(tenant_a.tenant.pk))
    (message,) = PolicyServiceMessage.objects.for_tenant(tenant_a.tenant)
    assert message.counts == EXPECTED
    assert Message.objects.filter(service=True).count() == 8


def test_a_tenant_that_does_not_send_them_queues_nothing(tenant_a, world, version):
    tenant_a.tenant.send_policy_messages = False
    tenant_a.tenant.save(update_fields=["send_policy_messages"])
    assert announce.service_message_queue(version=version, tenant=tenant_a.tenant) is None
    assert not Message.objects.filter(service=True).exists()


def test_a_version_without_service_message_queues_nothing(tenant_a, world, dpo, clock):
    quiet = published(dpo, "2026-04", MONDAY + dt.timedelta(hours=1), now=MONDAY)
    assert announce.service_message_queue(version=quiet, tenant=tenant_a.tenant) is None


def test_minors_it_cannot_reach_are_counted_and_the_page_says_why_in_words(
    tenant_a, version, clock
):
    """The age rules stop a service message too: a contact marked under 15 and
    a held 15-17-year-old are counted by reason; the page words the reasons
    with the settings' ages, in English and French, never the codes."""
    from web.tests.helpers import verified_client

    tenant_a.tenant.send_policy_messages = True
    tenant_a.tenant.save(update_fields=["send_policy_messages"])
    widget = widget_of(tenant_a)
    people = {
        "authorised": chat(tenant_a, widget, age_status="minor_authorised"),
        "held": chat(tenant_a, widget, age_status="minor_unauthorised"),
        "child": chat(tenant_a, widget, age_status="under_15"),
    }
    message = _queued(tenant_a.tenant, version)
    sending.service_messages_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.counts == {
        "sent": 1,
        "not_sent": {"minor_under_15": 1, "parental_authorisation_required": 1},
    }
    assert [len(_service_messages(c)) for c in people.values()] == [1, 0, 0]

    browser = verified_client(tenant_a.owner.user)
    english = browser.get("/settings/privacy-policy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = browser.get("/settings/privacy-policy/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1 · marked under 15: their data is being erased</li>" in english
    assert "1 · aged 15 to 17, no parental authorisation recorded</li>" in english
    assert "1 · signalés comme ayant moins de 15 ans" in french
    assert "1 · âgés de 15 à 17 ans, sans autorisation parentale enregistrée</li>" in french
    for page in (english, french):
        assert "· minor_under_15<" not in page and "· parental_authorisation_required<" not in page
