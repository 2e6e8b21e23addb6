"""Writing and publishing versions in tests, and conversations to write to."""

import datetime as dt

from conversations.models import Contact, Conversation, Widget
from conversations.services.messages import message_receive
from privacy.policies.selectors import forget_published_versions
from privacy.policies.services import policy_version_create, policy_version_publish

TEXTS = {
    "text_en": "We process your messages for the shop.",
    "text_fr": "Nous traitons vos messages pour le commerce.",
}
SERVICE = {
    "service_message_en": "Our privacy policy changes. Read it: https://instaply.example/p",
    "service_message_fr": "Notre politique de confidentialité change : https://instaply.example/p",
}


def draft(dpo, label: str, effective_at: dt.datetime, *, now=None, **fields):
    return policy_version_create(
        staff=dpo, now=now, version=label, effective_at=effective_at, **(TEXTS | fields)
    )


def published(dpo, label: str, effective_at: dt.datetime, *, now=None, **fields):
    """A version published at ``now`` (its effective time by default; the service
    checks the effective time against it). Its after-commit work does not run
    (tests that want it capture the callbacks); the cache is dropped here instead."""
    now = now or effective_at
    version = draft(dpo, label, effective_at, now=now, **fields)
    version = policy_version_publish(staff=dpo, policy_version=version, now=now)
    forget_published_versions()
    return version


def widget_of(world) -> Widget:
    return Widget.objects.create(tenant=world.tenant, shop=world.shop)


def chat(world, widget, *, body="Hello", locale="", **contact_fields) -> Conversation:
    contact = Contact(tenant=world.tenant, name="Zoé Client", locale=locale, **contact_fields)
    contact.save(force_insert=True)
    conversation = Conversation.objects.create(
        tenant=world.tenant, shop=world.shop, contact=contact, channel="widget",
        endpoint_id=widget.pk,
    )  # fmt: skip
    message_receive(conversation=conversation, body=body)
    conversation.refresh_from_db()
    return conversation


def published_without_announcing(dpo, version, *, now=None):
    """Publishes ``version`` and drops the cache; the announcement is not run."""
    version = policy_version_publish(staff=dpo, policy_version=version, now=now)
    forget_published_versions()
    return version
