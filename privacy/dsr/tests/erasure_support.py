"""A data subject with every kind of data the platform stores about a contact,
made through the real paths (webhooks, replies, the widget), for the erasure
tests and the erasure scan."""

import datetime as dt
from dataclasses import dataclass, field

from channels_sms.models import PhoneNumber, ProviderAccount, WebhookDelivery
from channels_sms.providers.base import Credentials
from channels_sms.services.deliveries import Route, delivery_record
from channels_sms.services.inbound import delivery_process
from conversations.models import (
    Contact,
    Conversation,
    Label,
    Message,
    Widget,
)
from conversations.services.contacts import contact_find, contact_update
from conversations.services.inbox import conversation_label, conversation_mark_read, note_add
from conversations.services.messages import message_reply
from conversations.widget.services import visitor_start, visitor_write
from privacy.dsr.models import DataSubjectRequest

SMS_NUMBER = "+15017122641"
VONAGE_NUMBER = "+447700900641"
TWILIO_SID = "AC" + "4" * 32


@dataclass
class Subject:
    contact: Contact
    markers: dict
    sms_conversation: Conversation
    widget_conversation: Conversation
    queued: Message
    other: Contact
    other_markers: dict
    routes: dict = field(default_factory=dict)


def subject_markers(tag: str, phone: str) -> dict:
    return {
        "name": f"Quillon {tag} Vandermeer",
        "email": f"quillon.{tag.lower()}@subject.example",
        "phone": phone,
        "body": f"SUBJECT-{tag}-BODY my order is late",
        "second_body": f"SUBJECT-{tag}-SECOND pending webhook text",
        "part": f"SUBJECT-{tag}-PART first half of a long text",
        "attachment": f"https://media.example/SUBJECT-{tag}-PHOTO.jpg",
        "note": f"SUBJECT-{tag}-NOTE called twice",
        "reply": f"SUBJECT-{tag}-REPLY we are on it",
        "widget": f"SUBJECT-{tag}-WIDGET hello from the site",
    }


def _routes(tenant, shop) -> dict:
    twilio = ProviderAccount.objects.create(
        tenant=tenant, provider="twilio", account_ref=TWILIO_SID, auth_token="t"
    )
    vonage = ProviderAccount.objects.create(
        tenant=tenant,
        provider="vonage",
        account_ref="subjk001",
        auth_token="t",
        signature_secret="s",
    )
    numbers = {
        "twilio": PhoneNumber.objects.create(
            tenant=tenant, shop=shop, account=twilio, provider="twilio", number=SMS_NUMBER
        ),
        "vonage": PhoneNumber.objects.create(
            tenant=tenant, shop=shop, account=vonage, provider="vonage", number=VONAGE_NUMBER
        ),
    }
    return {
        "twilio": Route("twilio", Credentials(TWILIO_SID, "t"), tenant.id, numbers["twilio"]),
        "vonage": Route("vonage", Credentials("subjk001", "t"), tenant.id, numbers["vonage"]),
    }


def text_in(route: Route, *, sid: str, sender: str, body: str, media: str = "", process=True):
    payload = {"From": sender, "To": SMS_NUMBER, "Body": body, "MessageSid": sid}
    if media:
        payload |= {"NumMedia": "1", "MediaUrl0": media, "MediaContentType0": "image/jpeg"}
    delivery_record(
        route=route, kind="message", provider_message_id=sid, provider_status="", payload=payload
    )
    if process:
        delivery_process(
            delivery_id=WebhookDelivery.objects.filter(provider_message_id=sid).get().pk
        )


def _status_callback(route: Route, to: str, sid: str) -> None:
    delivery_record(
        route=route,
        kind="status",
        provider_message_id=sid,
        provider_status="delivered",
        payload={
            "MessageSid": sid,
            "MessageStatus": "delivered",
            "To": to,
            "From": SMS_NUMBER,
        },
    )


def seed_subject(world, capture, tag: str = "A") -> Subject:
    """``world``: a conftest TenantWorld; ``capture``: django_capture_on_commit_callbacks."""
    tenant, shop, owner = world.tenant, world.shop, world.owner
    markers = subject_markers(tag, "+33698761" + {"A": "234", "B": "567"}.get(tag, "890"))
    other_markers = subject_markers(f"{tag}OTHER", "+33698760001")
    routes = _routes(tenant, shop)
    with capture(execute=True):
        text_in(
            routes["twilio"],
            sid="SM" + "a" * 32,
            sender=markers["phone"],
            body=markers["body"],
            media=markers["attachment"],
        )
    contact = contact_find(tenant_id=tenant.id, kind="phone", value=markers["phone"])
    with capture(execute=True):
        contact_update(actor=owner, contact=contact, name=markers["name"], email=markers["email"])
    sms_conversation = Conversation.objects.for_tenant(tenant).get(contact=contact)
    # A reply that was sent and its status callback, then one still waiting to leave.
    with capture(execute=False):
        sent = message_reply(actor=owner, conversation=sms_conversation, body=markers["reply"])
    Message.objects.filter(pk=sent.pk).update(status="sent", provider_message_id="SM" + "b" * 32)
    _status_callback(routes["twilio"], markers["phone"], "SM" + "b" * 32)
    with capture(execute=False):
        queued = message_reply(actor=owner, conversation=sms_conversation, body=markers["reply"])
    # A webhook not processed yet, and half of a long Vonage text.
    text_in(
        routes["twilio"], sid="SM" + "c" * 32, sender=markers["phone"],
        body=markers["second_body"], process=False,
    )  # fmt: skip
    delivery_record(
        route=routes["vonage"],
        kind="message",
        provider_message_id="0A00000000SUBJ" + tag,
        provider_status="",
        payload={
            "msisdn": markers["phone"].lstrip("+"),
            "to": VONAGE_NUMBER.lstrip("+"),
            "messageId": "0A00000000SUBJ" + tag,
            "text": markers["part"],
            "concat": "true",
            "concat-ref": "7",
            "concat-total": "2",
            "concat-part": "1",
        },
    )
    delivery_process(
        delivery_id=WebhookDelivery.objects.get(provider_message_id="0A00000000SUBJ" + tag).pk
    )
    with capture(execute=True):
        note_add(actor=owner, conversation=sms_conversation, body=markers["note"])
        label = Label.objects.create(tenant=tenant, name=f"vip {tag}")
        conversation_label(actor=owner, conversation=sms_conversation, label=label, present=True)
        conversation_mark_read(actor=owner, conversation=sms_conversation)
    # The same person on the website chat (found by the email given above).
    widget = Widget.objects.create(tenant=tenant, shop=shop, age_gate=False)
    with capture(execute=True):
        visitor, _ = visitor_start(widget=widget, name=markers["name"], email=markers["email"])
        visitor_write(visitor=visitor, body=markers["widget"])
    assert visitor.contact_id == contact.pk

    # Someone else, who must come out untouched.
    with capture(execute=True):
        text_in(
            routes["twilio"],
            sid="SM" + "d" * 32,
            sender=other_markers["phone"],
            body=other_markers["body"],
        )
    other = contact_find(tenant_id=tenant.id, kind="phone", value=other_markers["phone"])
    with capture(execute=True):
        contact_update(actor=owner, contact=other, name=other_markers["name"])
        note_add(
            actor=owner,
            conversation=Conversation.objects.for_tenant(tenant).get(contact=other),
            body=other_markers["note"],
        )
    return Subject(
        contact=Contact.objects.for_tenant(tenant).get(pk=contact.pk),
        markers=markers,
        sms_conversation=sms_conversation,
        widget_conversation=visitor.conversation,
        queued=queued,
        other=other,
        other_markers=other_markers,
        routes=routes,
    )


def erasure_request(tenant, contact, *, phone="", email="", request_type="erasure"):
    return DataSubjectRequest.objects.create(
        tenant=tenant,
        request_type=request_type,
        subject_asked_on=dt.date(2026, 11, 30),
        identity_verified=True,
        subject_phone=phone or None,
        subject_email=email or None,
        contact=contact,
    )


def no_progress(value: int) -> None:
    pass
