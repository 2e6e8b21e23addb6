"""Shared pieces of the sub-processor tests: a controlled clock, the DPO, a change."""

import datetime as dt

from compliance.models import SubProcessor, SubProcessorChange
from compliance.subprocessors.services import subprocessor_change_announce
from platform_staff.tests.console_helpers import make_platform_person

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NOTICE = dt.timedelta(days=30)


def dpo_person():
    return make_platform_person(("dpo",), email="dpo@platform.test")


def new_entry(code="acme", **fields) -> dict:
    return {
        "code": code,
        "name": fields.pop("name", f"{code.title()} Ltd"),
        "purpose_en": "Sends SMS.",
        "purpose_fr": "Envoie des SMS.",
        "data_categories": ["message_content", "contact_details"],
        "country": "IE",
        "safeguard": "eu",
        "integrations": [code],
        **fields,
    }


def announce(staff, *, now=NOW, effective_on=None, code="acme", replaces=None, **extra):
    kind = SubProcessorChange.Kind.REPLACED if replaces else SubProcessorChange.Kind.ADDED
    return subprocessor_change_announce(
        staff=staff,
        now=now,
        kind=kind,
        effective_on=effective_on or (now + NOTICE).date(),
        note=extra.pop("note", "Cheaper routes to Ireland."),
        replaces=replaces,
        entry=new_entry(code, **extra),
    )


def seeded(code: str) -> SubProcessor:
    return SubProcessor.objects.get(code=code)
