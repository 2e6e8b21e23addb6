"""Posting and dismissing in-app notices (tenants.models.notices)."""

from django.db import IntegrityError, transaction

from tenants.models import Membership, Notice, NoticeRead, Tenant
from tenants.permissions import Capability
from tenants.scoping import require_same_tenant


def notice_post(
    *, tenant: Tenant, capability: Capability, kind: str, link: str = "", params=None
) -> Notice:
    """One notice for everyone in ``tenant`` who holds ``capability``.
    ``params`` holds ids and codes only: the page words the notice."""
    return Notice.objects.create(
        tenant=tenant, capability=str(capability), kind=kind, link=link, params=params or {}
    )


def notice_dismiss(*, membership: Membership, notice: Notice) -> None:
    """Idempotent: dismissing twice is dismissing once."""
    require_same_tenant(membership, notice)
    try:
        with transaction.atomic():
            NoticeRead.objects.create(
                tenant_id=membership.tenant_id, notice=notice, membership=membership
            )
    except IntegrityError:
        pass
