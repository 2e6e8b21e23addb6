"""Conversations at chosen ages for the settings page, API and browser tests."""

import datetime as dt

from conversations.tests.factories import ContactFactory, ConversationFactory, MessageFactory

# The clock of these tests (time_machine), and the platform's bounds they assume.
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
BOUNDS = {
    "RETENTION_MIN_DAYS": 30,
    "RETENTION_MAX_DAYS": 3650,
    "RETENTION_INACTIVE_DAYS_DEFAULT": 730,
}


def old_conversations(world, days: float, count: int, *, messages: int = 2, status="open", now=NOW):
    """``count`` conversations of ``world``'s tenant (anything with ``tenant`` and
    ``shop``), last active ``days`` before ``now``, each with its own contact and
    ``messages`` messages."""
    at = now - dt.timedelta(days=days)
    made = []
    for _ in range(count):
        conversation = ConversationFactory(
            tenant=world.tenant,
            shop=world.shop,
            contact=ContactFactory(tenant=world.tenant),
            status=status,
            created_at=at,
            last_activity_at=at,
        )
        for _ in range(messages):
            MessageFactory(conversation=conversation, created_at=at, status_changed_at=at)
        made.append(conversation)
    return made
