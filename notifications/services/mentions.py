"""Mentions in internal notes and the emails they owe (called by
conversations.services.inbox.note_add, in its transaction)."""

from django.db import transaction
from django.utils import timezone

from audit.recorder import Actor, record
from notifications.access import may_read_conversation
from notifications.mentions import mentioned
from notifications.models import EmailNotice, Mention
from notifications.selectors import mention_candidates, preference_of
from notifications.services.emails import email_notice_queue
from tenants.models import Membership
from tenants.scoping import require_same_tenant


def mentions_record(*, note, actor: Membership) -> list[Mention]:
    """One mention per member the note names (not its author), each their
    in-app notice, and an email for those who want one. Someone who may not
    read the conversation cannot be named: their name stays plain text."""
    conversation = note.conversation
    named = [
        m
        for m in mentioned(note.body or "", mention_candidates(tenant=note.tenant_id))
        if m.pk != actor.pk and may_read_conversation(m, conversation)
    ]
    mentions = []
    for member in named:
        mention = Mention(
            tenant_id=note.tenant_id,
            note=note,
            conversation_id=note.conversation_id,
            member=member,
            author=actor,
            created_at=note.created_at,
        )
        mention.save(force_insert=True)
        mentions.append(mention)
        if preference_of(member=member).email_on_mention:
            email_notice_queue(
                kind=EmailNotice.Kind.MENTIONED,
                member=member,
                conversation=conversation,
                actor=actor,
                mention=mention,
            )
    if mentions:
        record(
            "note.mentioned",
            tenant=note.tenant_id,
            actor=Actor.member(actor),
            target=("note", note.pk),
            metadata={"member_ids": [m.member_id for m in mentions]},
        )
    return mentions


def mentions_read(*, member: Membership, conversation) -> int:
    """The member saw the conversation: their mentions in it are read. One
    UPDATE (index notify_mention_conv), nothing when there are none."""
    require_same_tenant(member, conversation)
    return (
        Mention.objects.for_tenant(member.tenant_id)
        .filter(conversation=conversation, member=member, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


@transaction.atomic
def mention_mark_read(*, member: Membership, mention: Mention) -> Mention:
    """Idempotent: reading it twice is reading it once."""
    require_same_tenant(member, mention)
    if mention.member_id != member.pk:
        from instaply.errors import NotFound

        raise NotFound("No mention with this id.")
    if mention.read_at is None:
        mention.read_at = timezone.now()
        mention.save(update_fields=["read_at"])
    return mention
