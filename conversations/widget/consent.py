"""A widget visitor's consent to special-category data (privacy.consent).

Where the tenant enables it, the widget shows a checkbox with the tenant's text.
The rule:

* Ticking it records a GIVEN entry (channel ``widget``, the text and its version
  as shown, the visitor session in the details).
* While that consent is in force, every message the visitor writes is linked
  to it (``Message.consent``): those messages depended on it.
* A visitor without it can still chat; the widget says that special-category
  data needs the consent. Their messages are linked to nothing.
* Withdrawing it (the widget's "Withdraw my consent", or staff on the person's
  instruction) records a WITHDRAWN entry and deletes every message linked to a
  consent of that purpose the contact gave (privacy.consent.services).

A visitor sees and acts on the consent given in their own chat session only: an
email typed in the pre-chat form proves nothing (conversations.widget.services),
so another session of the same contact neither learns that consent was given
nor writes under it.
"""

from django.db import transaction

from audit.recorder import Actor
from conversations.models import Contact, Widget, WidgetVisitor
from instaply.errors import Conflict
from privacy.consent import services as consent_services
from privacy.consent.models import ConsentEntry, Purpose
from privacy.consent.selectors import consent_current

PURPOSE = Purpose.SPECIAL_CATEGORY_DATA


def _actor(visitor: WidgetVisitor) -> Actor:
    return Actor("visitor", str(visitor.pk))


def _lock_contact(visitor: WidgetVisitor) -> None:
    visitor.contact = (
        Contact.objects.for_tenant(visitor.tenant_id).select_for_update().get(pk=visitor.contact_id)
    )


def visitor_consent_in_force(visitor: WidgetVisitor) -> ConsentEntry | None:
    """The special-category consent this visitor gave in this chat, while in force."""
    entry = consent_current(visitor.contact, PURPOSE)
    if (
        entry is None
        or entry.action != ConsentEntry.Action.GIVEN
        or entry.channel != ConsentEntry.Channel.WIDGET
    ):
        return None
    return entry if (entry.details or {}).get("visitor_id") == str(visitor.pk) else None


def visitor_consent_for_message(visitor: WidgetVisitor) -> ConsentEntry | None:
    """The consent a message written now depends on, checked under the contact's
    row lock when there is one: a withdrawal holds that lock while it deletes,
    so a message is never linked to a consent withdrawn meanwhile. Call inside
    the transaction that writes the message."""
    if visitor_consent_in_force(visitor) is None:
        return None  # the common case: one read, no lock
    _lock_contact(visitor)
    return visitor_consent_in_force(visitor)


def consent_state(visitor: WidgetVisitor) -> dict:
    """What the widget shows: whether it asks, the text, and this visitor's consent."""
    widget: Widget = visitor.widget
    entry = visitor_consent_in_force(visitor)
    return {
        "purpose": PURPOSE.value,
        "asked": widget.special_category_consent,
        "text": widget.special_category_text if widget.special_category_consent else "",
        "text_version": widget.special_category_text_version,
        "given": entry is not None,
        "given_at": entry.occurred_at if entry else None,
        "given_text_version": entry.text_version if entry else "",
    }


def visitor_consent_give(*, visitor: WidgetVisitor, text_version: str) -> tuple[dict, bool]:
    """Records the visitor's tick. Returns (state, created); ticking again the
    same wording records nothing new."""
    widget = visitor.widget
    if not widget.special_category_consent:
        raise Conflict("This chat does not ask for this consent.", code="consent_not_asked")
    if text_version != widget.special_category_text_version:
        raise Conflict(
            "The text of this consent has changed: read it again before agreeing.",
            code="consent_text_changed",
        )
    with transaction.atomic():
        _lock_contact(visitor)
        current = visitor_consent_in_force(visitor)
        if current is not None and current.text_version == text_version:
            return consent_state(visitor), False
        consent_services.consent_give(
            contact=visitor.contact,
            purpose=PURPOSE,
            channel=ConsentEntry.Channel.WIDGET,
            text=widget.special_category_text,
            text_version=widget.special_category_text_version,
            details={"visitor_id": str(visitor.pk), "widget_id": str(widget.pk)},
            actor=_actor(visitor),
        )
    return consent_state(visitor), True


def visitor_consent_withdraw(*, visitor: WidgetVisitor) -> tuple[dict, list[str]]:
    """Withdraws the consent this visitor gave; returns the state and the ids of
    the messages deleted with it (the widget removes them from its thread)."""
    with transaction.atomic():
        _lock_contact(visitor)
        if visitor_consent_in_force(visitor) is None:
            raise Conflict(
                "You have not given this consent in this chat: there is nothing to withdraw.",
                code="consent_not_given",
            )
        entry = consent_services.consent_withdraw(
            contact=visitor.contact,
            purpose=PURPOSE,
            channel=ConsentEntry.Channel.WIDGET,
            details={"visitor_id": str(visitor.pk), "widget_id": str(visitor.widget_id)},
            actor=_actor(visitor),
        )
    return consent_state(visitor), list(entry.details["deleted_message_ids"])
