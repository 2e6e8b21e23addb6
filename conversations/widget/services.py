"""The website widget channel: visitors start chats, write, and read replies.

A visitor is known by a random token held in the browser (sent back as a
header, never a cookie). Only its digest is stored, and it is looked up
together with the widget key, so a token of one widget is useless on another.
"""

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import events as analytics
from analytics.tracking import track
from audit.recorder import Actor, record
from conversations.models import AgeStatus, Message, Widget, WidgetVisitor
from conversations.services import integrity
from conversations.services.contacts import contact_create, contact_get_or_create
from conversations.services.messages import (
    MAX_BODY_LENGTH,
    conversation_for_inbound,
    message_receive,
    message_status_update,
)
from conversations.widget.consent import visitor_consent_for_message
from conversations.widget.live import visitor_typing_end
from instaply.errors import Forbidden, Invalid, NotFound
from privacy.minors import rules as minor_rules
from privacy.minors import services as minors
from tenants import credentials

VISITOR_PREFIX = "vis_"
SEEN_RESOLUTION = dt.timedelta(minutes=1)
CHANNEL = "widget"


class AgeAnswer:
    ADULT = "adult"
    MINOR = "15-17"
    CHILD = "under-15"
    CHOICES = (ADULT, MINOR, CHILD)


def widget_by_key(key: str) -> Widget:
    widget = (
        Widget.objects.dangerously_unscoped(reason="the public widget key finds its tenant")
        .select_related("shop", "tenant")
        .filter(public_key=key, active=True)
        .first()
    )
    if widget is None:
        raise NotFound(_("No chat widget with this key."))
    return widget


def origin_allowed(widget: Widget, origin: str | None) -> bool:
    return bool(origin) and origin.rstrip("/") in {o.rstrip("/") for o in widget.allowed_origins}


def _age_status(widget: Widget, age: str | None, parental_authorisation: bool) -> str:
    """The age status the gate's answer gives (the thresholds are settings,
    privacy.minors.rules; the answer codes name the groups whatever they are)."""
    if not widget.age_gate:
        return AgeStatus.UNKNOWN
    if age not in AgeAnswer.CHOICES:
        raise Invalid(
            _("Tell us your age group to start the chat."),
            fields={"age": [f"One of {', '.join(AgeAnswer.CHOICES)}."]},
        )
    if age == AgeAnswer.CHILD:
        # A child is refused; nothing about them is stored (visitor_start marks
        # a known contact whose email they gave, before refusing).
        raise Forbidden(minor_rules.widget_child_refusal(), code="age_refused")
    if age == AgeAnswer.MINOR:
        if not parental_authorisation:
            raise Forbidden(
                minor_rules.widget_authorisation_missing(), code="parental_authorisation_required"
            )
        # The declaration is recorded, but replies wait for staff to record it.
        return AgeStatus.MINOR_UNAUTHORISED
    return AgeStatus.ADULT


def age_gate_texts() -> dict[str, str]:
    return minor_rules.widget_age_texts()


def visitor_notice(visitor: WidgetVisitor) -> str:
    """What the chat says as it starts: a held minor's replies wait for the shop."""
    if visitor.contact.age_status == AgeStatus.MINOR_UNAUTHORISED:
        return minor_rules.widget_held_notice()
    return ""


def visitor_start(*, widget: Widget, **details) -> tuple[WidgetVisitor, str]:
    """Starts a chat (``_start``). A visitor answering "under 15" is refused;
    if the email they gave names a contact, that contact is marked under 15
    first, in its own transaction (privacy.minors), so the refusal keeps it."""
    if widget.age_gate and details.get("age") == AgeAnswer.CHILD:
        minors.widget_child_declared(tenant_id=widget.tenant_id, email=details.get("email", ""))
    return _start(widget=widget, **details)


@transaction.atomic
def _start(
    *,
    widget: Widget,
    age: str | None = None,
    parental_authorisation: bool = False,
    name: str = "",
    email: str = "",
    locale: str = "",
    privacy_policy_version: str = "",
    browser_family: str = "",
    device_family: str = "",
) -> tuple[WidgetVisitor, str]:
    """Starts a chat: a contact, its conversation and the visitor's token (shown once).
    The browser's and device's families (analytics.login_data.agents) are all that is
    kept of the visitor's device."""
    age_status = _age_status(widget, age, parental_authorisation)
    missing = [f for f in widget.pre_chat_fields if not {"name": name, "email": email}.get(f)]
    if missing:
        raise Invalid(
            _("Please fill in the form."),
            fields={f: [_("This field is required.")] for f in missing},
        )
    details = {
        "name": name or None,
        "locale": locale[:16],
        "age_status": age_status,
        "privacy_policy_version": privacy_policy_version[:32],
    }
    if email:
        # A returning visitor is the same contact: one thread for the shop's staff.
        contact, created = contact_get_or_create(
            tenant_id=widget.tenant_id, kind="email", value=email, defaults=details
        )
    else:
        contact, created = contact_create(tenant_id=widget.tenant_id, **details), True
    contact = minors.widget_age_declared(contact=contact, age_status=age_status, created=created)
    conversation = conversation_for_inbound(
        shop=widget.shop, contact=contact, channel=CHANNEL, endpoint_id=widget.pk
    )
    raw, digest = credentials.new_secret(VISITOR_PREFIX)
    visitor = WidgetVisitor.objects.create(
        tenant_id=widget.tenant_id,
        widget=widget,
        token_hash=digest,
        contact=contact,
        conversation=conversation,
        browser_family=browser_family[:64],
        device_family=device_family[:64],
    )
    record(
        "widget.session_started",
        tenant=widget.tenant_id,
        actor=Actor("visitor", str(visitor.pk)),
        target=("conversation", conversation.pk),
        metadata={"widget_id": widget.pk, "age_status": age_status},
    )
    track(analytics.WIDGET_SESSION_STARTED, tenant_id=widget.tenant_id, contact_id=contact.pk)
    return visitor, raw


def visitor_for(widget: Widget, token: str | None) -> WidgetVisitor:
    if not token or not token.startswith(VISITOR_PREFIX):
        raise Forbidden(_("A visitor token is required."), code="visitor_token_required")
    visitor = (
        WidgetVisitor.objects.for_tenant(widget.tenant_id)
        .select_related("conversation__shop", "contact")
        .filter(widget=widget, token_hash=credentials.digest(token))
        .first()
    )
    if visitor is None:
        raise Forbidden(
            _("This visitor token is not valid for this widget."), code="visitor_token_invalid"
        )
    if visitor.contact.age_status == AgeStatus.UNDER_15:
        # Marked under 15 since the chat began: nothing more in or out.
        raise Forbidden(minor_rules.widget_child_refusal(), code="age_refused")
    return visitor


def visitor_write(*, visitor: WidgetVisitor, body: str, allow_empty: bool = False) -> Message:
    """``allow_empty``: a file without words (attachments.widget_api)."""
    body = (body or "").strip()
    if not body and not allow_empty:
        raise Invalid(
            _("A message cannot be empty."), fields={"body": [_("This field may not be blank.")]}
        )
    if len(body) > MAX_BODY_LENGTH:
        limit = {"limit": MAX_BODY_LENGTH}
        raise Invalid(
            _("A message is at most %(limit)s characters.") % limit,
            fields={
                "body": [_("Ensure this field has no more than %(limit)s characters.") % limit]
            },
        )
    with transaction.atomic():
        conversation = visitor.conversation
        if conversation.status == conversation.Status.CLOSED:
            # A closed chat reopens a new conversation, as a new SMS would.
            conversation = conversation_for_inbound(
                shop=conversation.shop,
                contact=visitor.contact,
                channel=CHANNEL,
                endpoint_id=visitor.widget_id,
            )
            visitor.conversation = conversation
        visitor.last_seen_at = timezone.now()
        visitor.save(update_fields=["conversation", "last_seen_at"])
        # Written under the visitor's special-category consent, it depends on it.
        consent = visitor_consent_for_message(visitor)
        message = message_receive(conversation=conversation, body=body, consent=consent)
    visitor_typing_end(visitor=visitor)  # the message ends the typing it came from
    return message


def visitor_messages(*, visitor: WidgetVisitor, after: uuid.UUID | None) -> list[Message]:
    """The visitor's thread since ``after`` (oldest first); replies it receives
    are marked delivered.

    Only messages since this visitor's chat began: an email typed in the pre-chat
    form proves nothing, so a returning contact's earlier messages stay private.
    """
    rows = (
        Message.objects.for_tenant(visitor.tenant_id)
        .filter(contact=visitor.contact_id, created_at__gte=visitor.created_at)
        # The replying member's first name is shown (conversations.widget.live.first_name).
        .select_related("sender__user")
    )
    # A reply that failed never reached the visitor (privacy.minors refuses some as they leave).
    rows = rows.exclude(direction=Message.Direction.OUTBOUND, status=Message.Status.FAILED)
    if after:
        rows = rows.filter(id__gt=after)
    page = list(rows.order_by("id")[:100])
    integrity.messages_open(messages=page)
    for message in page:
        if (
            message.direction == Message.Direction.OUTBOUND
            and message.status == Message.Status.SENT
        ):
            message_status_update(message_id=message.pk, status=Message.Status.DELIVERED)
            message.status = Message.Status.DELIVERED
    now = timezone.now()
    if now - visitor.last_seen_at > SEEN_RESOLUTION:
        # Polls come every few seconds; the last-seen time needs no finer grain.
        WidgetVisitor.objects.for_tenant(visitor.tenant_id).filter(pk=visitor.pk).update(
            last_seen_at=now
        )
    return page


class WidgetChannel:
    """Replies wait for the visitor's next poll: 'sent' once committed,
    'delivered' when the visitor's browser has fetched them."""

    kind = CHANNEL

    def dispatch(self, *, message_id) -> None:
        # The age rule is checked again as the reply leaves (a contact marked
        # under 15, or held, since it was queued): it fails, and the visitor's
        # thread never shows a failed reply.
        message = (
            Message.objects.dangerously_unscoped(reason="by id of a reply we just queued")
            .select_related("contact")
            .filter(pk=message_id)
            .first()
        )
        refusal = message and minor_rules.send_refusal(message.contact)
        if refusal:
            message_status_update(
                message_id=message_id,
                status=Message.Status.FAILED,
                failure_code=refusal.code,
                failure_reason=refusal.message,
            )
            return
        message_status_update(message_id=message_id, status=Message.Status.SENT)

    def refusal(self, *, conversation, contact) -> str | None:
        widgets = Widget.objects.for_tenant(conversation.tenant_id)
        if not widgets.filter(pk=conversation.endpoint_id, active=True).exists():
            return "This chat widget was switched off; the visitor cannot receive replies."
        return None

    def check_body(self, *, body: str) -> None:
        return None
