"""Writes of the report facts, called by the conversation services at the moment
each thing happens, inside their transaction (the conversation row locked):
a conversation opens or is reopened, a member replies, it is assigned, closed.

A conversation that has no cycle yet (it began before reports existed, or was
made outside the services, as benchmarks do) gets one from its creation on the
first event that needs it; ``reports.reconcile`` catches anything missed.
"""

from django.db import IntegrityError, transaction

from reports.models import ConversationCycle


def _cycles(conversation):
    return ConversationCycle.objects.for_tenant(conversation.tenant_id).filter(
        conversation_id=conversation.pk
    )


def _open_cycle(conversation):
    # Index: cycle_one_open_per_conversation (tenant, conversation_id) WHERE closed_at IS NULL.
    return _cycles(conversation).filter(closed_at__isnull=True)


def _create(conversation, **fields) -> bool:
    """Inserts a cycle unless one clashes (an open one, or the same opening)."""
    try:
        with transaction.atomic():
            ConversationCycle.objects.for_tenant(conversation.tenant_id).create(
                tenant_id=conversation.tenant_id,
                conversation_id=conversation.pk,
                shop_id=conversation.shop_id,
                channel=conversation.channel,
                agent_id=conversation.assignee_id,
                **fields,
            )
    except IntegrityError:
        return False
    return True


def cycle_open(*, conversation, at, reopened: bool = False) -> None:
    """A conversation opens (``reopened``: a closed one opens again). Nothing
    happens if a cycle of it is already open."""
    if reopened:
        closed_at = conversation.closed_at or at
        # A closing no event told us of (reports.reconcile would mend it later).
        _open_cycle(conversation).filter(opened_at__lte=closed_at).update(closed_at=closed_at)
        if not _cycles(conversation).exists():
            # Its first cycle was never recorded: it ran from its creation to its closing.
            _create(conversation, opened_at=conversation.created_at, closed_at=closed_at)
    _create(conversation, opened_at=at, reopened=reopened)


def cycle_respond(*, conversation, responder_id, at) -> None:
    """A member's reply: the open cycle's first response, if it had none."""
    # Opened before the reply: a reconciliation reading older rows never answers
    # a cycle that began after the reply it found.
    answered = _open_cycle(conversation).filter(first_response_at__isnull=True, opened_at__lte=at)
    if answered.update(first_response_at=at, responder_id=responder_id):
        return
    if not _cycles(conversation).exists():
        _create(
            conversation,
            opened_at=conversation.created_at,
            first_response_at=at,
            responder_id=responder_id,
        )


def cycle_assign(*, conversation) -> None:
    """The open cycle follows the conversation's assignee."""
    _open_cycle(conversation).update(agent_id=conversation.assignee_id)


def cycle_close(*, conversation, at) -> None:
    """The conversation is closed: its open cycle ends, with its assignee."""
    closing = _open_cycle(conversation).filter(opened_at__lte=at)  # as in cycle_respond
    if closing.update(closed_at=at, agent_id=conversation.assignee_id):
        return
    if not _cycles(conversation).exists():
        _create(conversation, opened_at=conversation.created_at, closed_at=at)
