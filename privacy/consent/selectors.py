"""The current consent state, derived from the ledger: the newest entry per purpose.

A parental authorisation is decided by staff alone (privacy.minors): a
15-17-year-old's own declaration in the chat is kept in the ledger, as what
they said, but it is not an authorisation and never counts towards the state,
even when it is the newest entry.
"""

from privacy.consent.models import ConsentEntry, Purpose
from privacy.fields import open_or_mark


def decides_state(entry: ConsentEntry) -> bool:
    """Whether the entry counts towards its purpose's current state."""
    return (
        entry.purpose != Purpose.PARENTAL_AUTHORISATION
        or entry.channel == ConsentEntry.Channel.STAFF
    )


def is_declaration(entry: ConsentEntry) -> bool:
    """A visitor's own word about a parental authorisation: shown as a declaration."""
    return not decides_state(entry)


def consent_current(contact, purpose: str) -> ConsentEntry | None:
    """The newest entry that decides this purpose, or None if the person never said."""
    entries = ConsentEntry.objects.for_tenant(contact.tenant_id).filter(
        contact=contact, purpose=purpose
    )
    if purpose == Purpose.PARENTAL_AUTHORISATION:
        entries = entries.filter(channel=ConsentEntry.Channel.STAFF)
    return entries.order_by("-occurred_at", "-id").first()


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
    """The newest deciding entry of each purpose in a ledger read by
    ``consent_ledger`` (oldest first): the current state of every purpose the
    person spoke of."""
    states: dict[str, ConsentEntry] = {}
    for entry in ledger:
        if decides_state(entry):
            states[entry.purpose] = entry
    return states


def readable_details(entry: ConsentEntry) -> dict:
    """The entry's details, or {"unreadable": true} when they do not decrypt
    (damaged) and {} once the contact's key is destroyed."""
    if open_or_mark(entry, "details"):
        return {"unreadable": True}
    details = entry.details
    return details if isinstance(details, dict) else {}
