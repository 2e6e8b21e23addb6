"""Shared by the core tests of data-subject requests: people, contacts, filing."""

import datetime as dt

from conversations.services.contacts import contact_get_or_create, contact_update
from platform_staff.models import PlatformStaff
from privacy.dsr import services
from tenants.models import User

FILED_ON = dt.date(2026, 3, 1)


def dpo(email: str = "dpo@platform.example", roles=("dpo",)) -> PlatformStaff:
    user = User.objects.create_user(email)
    return PlatformStaff.objects.create(user=user, roles=list(roles), country="FR")


def contact_with(world, *, phone=None, email=None):
    """A contact of ``world``'s tenant reachable at these identifiers."""
    kind, value = ("phone", phone) if phone else ("email", email)
    contact, _ = contact_get_or_create(tenant_id=world.tenant.pk, kind=kind, value=value)
    if phone and email:
        contact_update(actor=world.owner, contact=contact, email=email)
    return contact


def file(membership, request_type="erasure", **kwargs):
    arguments = {
        "membership": membership,
        "request_type": request_type,
        "subject_asked_on": FILED_ON,
        "identity_verified": True,
        **kwargs,
    }
    return services.dsr_file(**arguments)
