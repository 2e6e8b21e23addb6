"""Publishing to a tenant's live feed (conversations.FeedEvent)."""

from django.db import transaction

from conversations import live
from conversations.models import FeedEvent


def feed_publish(*, tenant_id, kind: str, conversation_id, **payload) -> None:
    """Adds an event once the current transaction commits (at once outside one).

    The payload holds ids and states only: clients fetch content through the
    API, where reads are authorised and audited. Waiting clients of the tenant
    are woken when the entry commits (conversations.live).
    """

    def write():
        with transaction.atomic():
            FeedEvent.objects.create(
                tenant_id=tenant_id,
                kind=kind,
                conversation_id=conversation_id,
                payload={
                    key: str(value) if value is not None else None for key, value in payload.items()
                },
            )
            live.announce(tenant_id=tenant_id)

    transaction.on_commit(write, robust=True)
