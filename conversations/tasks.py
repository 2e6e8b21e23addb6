"""Periodic work of the inbox. Tasks take ids (or nothing) and can run twice."""

from celery import shared_task


@shared_task(name="conversations.wake_snoozed")
def wake_snoozed() -> int:
    """Reopens snoozed conversations whose time has come; safe to run at any rate."""
    from conversations.services.inbox import conversations_wake

    return conversations_wake()
