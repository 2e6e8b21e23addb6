"""Inbound texts: stored once, routed by our records, processed into the inbox."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from channels_sms.models import (
    ConcatenatedParts,
    PhoneNumber,
    Provider,
    ProviderAccount,
    UnroutedDelivery,
    WebhookDelivery,
)
from channels_sms.payload_encryption import decrypt_payload
from channels_sms.services.replay import deliveries_replay
from channels_sms.tests.conftest import (
    PHONE,
    TWILIO_NUMBER,
    TWILIO_TOKEN,
    UK_PHONE,
    fixture,
    twilio_webhook,
    vonage_webhook,
)
from conversations.models import Contact, Conversation, Message
from conversations.services.contacts import contact_find
from instaply.db.postgresql.wire import on_the_wire
from tenants.tests.factories import ShopFactory, TenantFactory

pytestmark = pytest.mark.django_db

TWILIO_SMS, VONAGE_SMS = "/webhooks/twilio/sms/", "/webhooks/vonage/sms/"


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Posts a webhook and runs what it queued (the processing task, eagerly)."""

    def post(send, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = send(client, *args, **kwargs)
        assert response.status_code in (200, 204), response.content
        return response

    return post


def _inbound(sms, body, *, sid=None, sender=PHONE, to=TWILIO_NUMBER):
    params = fixture("twilio_inbound.json") | {"Body": body, "From": sender, "To": to}
    if sid:
        params |= {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid}
    return params


def test_a_text_lands_in_the_inbox_and_its_raw_parameters_are_dropped(sms, deliver):
    deliver(twilio_webhook, TWILIO_SMS, fixture("twilio_inbound.json"))

    message = Message.objects.get()
    assert message.body == "Hi! Is my order 4711 ready for pickup?"
    assert message.provider_message_id == "SM0123456789abcdef0123456789abcdef"
    assert message.direction == "inbound" and message.status == "received"
    conversation = message.conversation
    assert (conversation.channel, conversation.endpoint_id) == ("sms", sms.twilio_number.pk)
    assert conversation.tenant_id == sms.tenant.id and conversation.shop_id == sms.shop.id
    # The contact is found by the blind index of the sender, never a clear column.
    assert contact_find(tenant_id=sms.tenant.id, kind="phone", value=PHONE) == message.contact
    event = WebhookDelivery.objects.get()
    assert (event.state, event.message_id, event.payload) == ("processed", message.pk, None)


def test_a_retried_or_replayed_webhook_changes_nothing(sms, deliver, client):
    params = fixture("twilio_inbound.json")
    first = deliver(twilio_webhook, TWILIO_SMS, params)
    retry = deliver(twilio_webhook, TWILIO_SMS, params)
    assert first.content == retry.content  # the same success answer
    assert WebhookDelivery.objects.count() == 1 and Message.objects.count() == 1
    # A pending duplicate (its first task lost) is queued again and processed once.
    WebhookDelivery.objects.update(state=WebhookDelivery.State.PENDING, payload=None)
    event = WebhookDelivery.objects.get()
    event.payload = params
    event.save(update_fields=["payload"])
    Message.objects.all().delete()
    deliver(twilio_webhook, TWILIO_SMS, params)
    assert Message.objects.count() == 1
    assert WebhookDelivery.objects.get().state == "processed"


def test_the_webhook_costs_at_most_two_database_round_trips(sms, client):
    twilio_webhook(client, TWILIO_SMS, _inbound(sms, "warm the key cache", sid="SM" + "0" * 32))
    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as queries:
            response = twilio_webhook(client, TWILIO_SMS, _inbound(sms, "hi", sid="SM" + "1" * 32))
        assert response.status_code == 200
        assert len(queries) <= 2, [q["sql"] for q in queries]
        assert "ON CONFLICT DO NOTHING" in queries[-1]["sql"]
        return
    # Everything the backend sends, read off the wire: the row-level security
    # scope switches (set_config) are statements too, riding with the next one.
    with on_the_wire(connection) as wire:
        response = twilio_webhook(client, TWILIO_SMS, _inbound(sms, "hello", sid="SM" + "1" * 32))
    assert response.status_code == 200
    assert wire.round_trips <= 2, wire
    assert "ON CONFLICT DO NOTHING" in wire.statements[-1]
    if connection._rls_enforced:
        assert any("set_config" in sql for sql in wire.statements), wire


def test_routing_by_messaging_service_finds_a_pool_number_we_do_not_list(sms, deliver):
    deliver(twilio_webhook, TWILIO_SMS, fixture("twilio_inbound_service.json"))
    conversation = Conversation.objects.get()
    assert conversation.endpoint_id == sms.service_number.pk


def test_the_messaging_service_wins_over_the_destination_number(sms, deliver):
    params = fixture("twilio_inbound_service.json") | {"To": TWILIO_NUMBER}
    deliver(twilio_webhook, TWILIO_SMS, params)
    assert Conversation.objects.get().endpoint_id == sms.service_number.pk


def test_the_tenant_comes_from_our_records_not_the_payload(sms, deliver, client):
    other = TenantFactory(name="Other Tenant")
    other_account = ProviderAccount.objects.create(
        tenant=other, provider=Provider.TWILIO, account_ref="AC" + "4" * 32, auth_token="other-t"
    )
    other_number = PhoneNumber.objects.create(
        tenant=other,
        shop=ShopFactory(tenant=other),
        account=other_account,
        provider=Provider.TWILIO,
        number="+15017122670",
    )
    # Our account's valid signature, the other tenant's number: never theirs.
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, "hello", to=other_number.number))
    event = WebhookDelivery.objects.get()
    assert (event.tenant_id, event.state) == (sms.tenant.id, "unrouted")
    assert Message.objects.count() == 0
    # Naming their account with our secret proves nothing: refused.
    params = _inbound(sms, "hi", to=other_number.number, sid="SM" + "5" * 32)
    params["AccountSid"] = other_account.account_ref
    assert twilio_webhook(client, TWILIO_SMS, params, token=TWILIO_TOKEN).status_code == 403


def test_a_text_to_a_number_not_set_up_yet_is_kept_and_replayed(
    sms, deliver, django_capture_on_commit_callbacks
):
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, "anyone there?", to="+15017122680"))
    event = WebhookDelivery.objects.get()
    assert event.state == "unrouted" and event.payload["Body"] == "anyone there?"
    assert deliveries_replay() == {"queued": 0, "still_unrouted": 1}

    number = PhoneNumber.objects.create(
        tenant=sms.tenant,
        shop=sms.shop,
        account=sms.twilio,
        provider=Provider.TWILIO,
        number="+15017122680",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_replay() == {"queued": 1, "still_unrouted": 0}
    message = Message.objects.get()
    assert message.body == "anyone there?" and message.conversation.endpoint_id == number.pk


def test_texts_to_a_deactivated_number_are_kept_not_lost(sms, deliver):
    PhoneNumber.objects.filter(pk=sms.twilio_number.pk).update(active=False)
    deliver(twilio_webhook, TWILIO_SMS, fixture("twilio_inbound.json"))
    event = WebhookDelivery.objects.get()
    assert event.state == "unrouted" and event.payload is not None
    assert Message.objects.count() == 0


def test_a_platform_number_no_tenant_holds_is_encrypted_for_operators(
    sms, deliver, settings, django_capture_on_commit_callbacks
):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "7" * 32, "platform-token"
    params = _inbound(sms, "for a platform number", to="+15017122690")
    params["AccountSid"] = settings.TWILIO_ACCOUNT_SID
    deliver(twilio_webhook, TWILIO_SMS, params, token="platform-token")

    row = UnroutedDelivery.objects.get()
    assert b"platform number" not in bytes(row.payload)
    opened = decrypt_payload(
        row_id=row.pk,
        master_version=row.master_version,
        wrapped_key=row.wrapped_key,
        encrypted=row.payload,
    )
    assert opened["Body"] == "for a platform number"
    assert WebhookDelivery.objects.count() == 0

    # Instaply assigns the number to the tenant, an operator replays.
    platform = ProviderAccount.objects.create(
        tenant=sms.tenant,
        provider=Provider.TWILIO,
        account_ref=settings.TWILIO_ACCOUNT_SID,
        platform_owned=True,
    )
    PhoneNumber.objects.create(
        tenant=sms.tenant,
        shop=sms.shop,
        account=platform,
        provider=Provider.TWILIO,
        number="+15017122690",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_replay() == {"queued": 1, "still_unrouted": 0}
    assert UnroutedDelivery.objects.count() == 0
    assert Message.objects.get().body == "for a platform number"


def test_pictures_of_an_mms_become_encrypted_attachments(sms, deliver):
    deliver(twilio_webhook, TWILIO_SMS, fixture("twilio_inbound_mms.json"))
    message = Message.objects.get()
    assert [a["content_type"] for a in message.attachments] == ["image/jpeg", "video/mp4"]
    assert message.attachments[0]["url"].endswith("/Media/ME00000000000000000000000000000001")
    stored = Message.objects.filter(pk=message.pk).values_list("attachments", flat=True).get()
    assert b"api.twilio.com" not in bytes(stored)


@pytest.mark.parametrize(
    "keyword", ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
)
def test_every_stop_keyword_opts_the_contact_out_of_sms(sms, deliver, keyword):
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, f" {keyword.lower()}. "))
    contact = Contact.objects.get()
    assert contact.opted_out_channels == ["sms"]
    # The inbox shows the message and the opt-out; the audit log says who did it.
    assert Message.objects.get().body == f" {keyword.lower()}. "
    assert AuditEvent.objects.filter(action="contact.opted_out", actor_id="sms_keyword").exists()


@pytest.mark.parametrize("keyword", ["START", "YES", "UNSTOP"])
def test_every_start_keyword_opts_the_contact_back_in(sms, deliver, keyword):
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, "STOP", sid="SM" + "a" * 32))
    assert Contact.objects.get().opted_out_channels == ["sms"]
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, keyword.title(), sid="SM" + "b" * 32))
    assert Contact.objects.get().opted_out_channels == []


def test_a_sentence_that_starts_with_stop_is_a_message_not_an_opt_out(sms, deliver):
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, "Stop by at 5? I'll be there"))
    assert Contact.objects.get().opted_out_channels == []


def test_one_consent_state_across_numbers_and_providers(sms, deliver):
    uk = fixture("vonage_inbound.json")
    deliver(vonage_webhook, VONAGE_SMS, uk)
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, "STOP", sender=UK_PHONE))
    assert Contact.objects.count() == 1
    assert Contact.objects.get().opted_out_channels == ["sms"]
    assert Conversation.objects.count() == 2  # one per number, one contact


@pytest.mark.parametrize("order", ["natural", "reverse", "shuffled"])
def test_the_parts_of_a_long_vonage_text_are_joined_before_the_inbox(sms, deliver, order):
    parts = fixture("vonage_inbound_concat.json")
    if order == "reverse":
        parts.reverse()
    elif order == "shuffled":
        random.Random(5).shuffle(parts)
    for part in parts[:-1]:
        deliver(vonage_webhook, VONAGE_SMS, part)
        assert Message.objects.count() == 0
    group = ConcatenatedParts.objects.get()
    assert b"wedding cake" not in bytes(
        ConcatenatedParts.objects.filter(pk=group.pk).values_list("parts", flat=True).get()
    )
    deliver(vonage_webhook, VONAGE_SMS, parts[-1])

    message = Message.objects.get()
    ordered = fixture("vonage_inbound_concat.json")
    assert message.body == "".join(p["text"] for p in ordered)
    assert message.provider_message_id == "0A00000012340001"
    assert ConcatenatedParts.objects.count() == 0
    assert WebhookDelivery.objects.filter(state="processed").count() == 3


def test_a_repeated_part_does_not_duplicate_text(sms, deliver):
    parts = fixture("vonage_inbound_concat.json")
    deliver(vonage_webhook, VONAGE_SMS, parts[0])
    deliver(vonage_webhook, VONAGE_SMS, parts[0])  # Vonage retried it
    deliver(vonage_webhook, VONAGE_SMS, parts[1])
    deliver(vonage_webhook, VONAGE_SMS, parts[2])
    assert Message.objects.get().body == "".join(p["text"] for p in parts)


def test_a_sender_that_is_not_a_phone_number_fails_visibly(sms, deliver):
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, "promo", sender="SHOPALERT"))
    event = WebhookDelivery.objects.get()
    assert event.state == "failed" and event.note.startswith("Not a phone number")
    assert event.payload is not None  # kept for an operator


def test_a_vonage_text_lands_with_its_accents(sms, deliver):
    deliver(vonage_webhook, VONAGE_SMS, fixture("vonage_inbound.json"))
    message = Message.objects.get()
    assert message.body == "Bonjour, le gâteau est prêt ?"
    assert message.conversation.endpoint_id == sms.vonage_number.pk
    assert contact_find(tenant_id=sms.tenant.id, kind="phone", value=UK_PHONE) is not None


@pytest.mark.parametrize("keyword", ["HELP", "info"])
def test_help_and_info_get_the_shops_help_text(sms, sms_simulator, deliver, keyword):
    sms.shop.help_text = "Sms Shoes, 3 rue des Lilas. Reply STOP to opt out."
    sms.shop.save(update_fields=["help_text"])
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, keyword))

    [sent] = sms_simulator.wait_for_messages(to=PHONE, direction="outbound")
    assert (sent["from"], sent["body"]) == (TWILIO_NUMBER, sms.shop.help_text)
    inbound, reply = Message.objects.order_by("created_at", "direction")
    assert (inbound.body, reply.body, reply.sender_kind) == (keyword, sms.shop.help_text, "system")
    assert reply.status == "sent" and Contact.objects.get().opted_out_channels == []


def test_help_from_an_opted_out_contact_gets_no_reply(sms, sms_simulator, deliver):
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, "STOP", sid="SM" + "d" * 32))
    deliver(twilio_webhook, TWILIO_SMS, _inbound(sms, "HELP", sid="SM" + "e" * 32))
    assert sms_simulator.messages(direction="outbound") == []
    assert Message.objects.filter(direction="outbound").count() == 0


def test_the_simulator_is_refused_in_production():
    from instaply.tests.test_production_settings import _run, production_env

    result = _run(
        ["manage.py", "check"], **production_env(SMS_SIMULATOR_URL="http://127.0.0.1:8025")
    )
    assert result.returncode != 0
    assert "SMS_SIMULATOR_URL" in result.stderr.split("missing or unsafe")[-1]
    assert _run(["manage.py", "check"], **production_env()).returncode == 0
