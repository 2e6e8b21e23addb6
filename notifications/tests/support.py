"""Objects of notifications for the cross-app walks (isolation, page access,
personal-data reads): a mention of the tenant's agent in a note."""

from conversations.models import Note
from conversations.tests.factories import ConversationFactory
from notifications.models import Mention
from tenants.models import Role


def mention_make(world, conversation=None) -> Mention:
    conversation = conversation or ConversationFactory(tenant=world.tenant, shop=world.shop)
    note = Note(
        tenant=world.tenant,
        conversation=conversation,
        contact_id=conversation.contact_id,
        author=world.owner,
        body="@someone look",
    )
    note.save(force_insert=True)
    return Mention.objects.create(
        tenant=world.tenant,
        note=note,
        conversation=conversation,
        member=world.members[Role.AGENT],
        author=world.owner,
    )
