"""The current consent state, derived from the ledger: the newest entry per purpose."""

from privacy.consent.models import ConsentEntry
from privacy.fields import open_or_mark


def consent_current(contact, purpose: str) -> ConsentEntry | None:
    """The newest entry for this purpose, or None if the person never said."""
    return (
        ConsentEntry.objects.for_tenant(contact.tenant_id)
        .filter(contact=contact, purpose=purpose)
        .order_by("-occurred_at", "-id")
        .first()
    )


def consent_given(contact, purpose: str) -> bool:
    entry = consent_current(contact, purpose)
    return entry is not None and entry.action == ConsentEntry.Action.GIVEN


def consent_ledger(contact) -> list[ConsentEntry]:
    """Every entry, oldest first: the contact panel and the access package."""
    return list(
        ConsentEntry.objects.for_tenant(contact.tenant_id)
        .filter(contact=contact)
        .select_related("recorded_by__user")
        .order_by("occurred_at", "id")
    )


def consent_states(ledger: list[ConsentEntry]) -> dict[str, ConsentEntry]:
    """The newest entry of each purpose in a ledger read by ``consent_ledger``
    (oldest first): the current state of every purpose the person spoke of."""
    states: dict[str, ConsentEntry] = {}
    for entry in ledger:
        states[entry.purpose] = entry
    return states


def readable_details(entry: ConsentEntry) -> dict:
    """The entry's details, or {"unreadable": true} when they do not decrypt
    (damaged) and {} once the contact's key is destroyed."""
    if open_or_mark(entry, "details"):
        return {"unreadable": True}
    details = entry.details
    return details if isinstance(details, dict) else {}
