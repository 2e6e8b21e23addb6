"""The current consent state, derived from the ledger: the newest entry per purpose."""

from privacy.consent.models import ConsentEntry


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
