from tenants.models.access import (
    ApiToken,
    Invitation,
    InvitationDelivery,
    InvitationSendAttempt,
)
from tenants.models.base import TenantQuerySet, TenantScopedModel
from tenants.models.notices import Notice, NoticeRead
from tenants.models.tenancy import Membership, Role, Shop, Tenant
from tenants.models.users import User

__all__ = [
    "ApiToken",
    "Invitation",
    "InvitationDelivery",
    "InvitationSendAttempt",
    "Membership",
    "Notice",
    "NoticeRead",
    "Role",
    "Shop",
    "Tenant",
    "TenantQuerySet",
    "TenantScopedModel",
    "User",
]
