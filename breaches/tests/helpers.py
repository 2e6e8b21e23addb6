"""Shared bits of the incident tests: a platform security person, an audit event
at a chosen time, the facts of a typical incident, a registry entry."""

import datetime as dt

from audit.recorder import Actor, record
from platform_staff.tests.disclosure_helpers import console_client, platform_person

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)

__all__ = ["NOW", "console_client", "event", "facts", "platform_person", "subprocessor"]


def event(tenant, action, *, at, actor=None, target=None):
    """An audit event of ``tenant`` written at ``at``."""
    import time_machine

    with time_machine.travel(at, tick=False):
        return record(action, tenant=tenant, actor=actor or Actor.system("test"), target=target)


def facts(**overrides) -> dict:
    return {
        "title": "Support laptop stolen",
        "aware_at": NOW - dt.timedelta(hours=2),
        "natures": ["unauthorised_access"],
        "properties": ["confidentiality"],
        "data_categories": ["message_content", "contact_identity"],
        "subject_categories": ["end_users"],
        "likely_consequences": "Messages may be read by a third party.",
        "measures": "Sessions revoked, keys rotated.",
        "dpo_contact": "DPO <dpo@instaply.localhost>",
        "risk_level": "high",
    } | overrides


def subprocessor(code="twilio"):
    from compliance.models import SubProcessor

    entry, _ = SubProcessor.objects.get_or_create(
        code=code,
        defaults={
            "name": code.title(),
            "purpose_en": "SMS",
            "purpose_fr": "SMS",
            "data_categories": ["message_content"],
            "country": "US",
            "safeguard": "scc_dpf",
            "since": dt.date(2020, 1, 1),
        },
    )
    return entry
