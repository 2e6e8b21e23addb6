"""What a platform person may read of a tenant: exactly what a live grant covers.

Every console page that shows tenant content resolves its grant and object
here. A grant that is not this person's, not approved, revoked or past its
time, or an object outside the grant, is the same 404 as a missing one, and
the attempt is audited (``platform.access_denied``); a read that passes is
audited as ``platform.access`` with the grant's id.
"""

import datetime as dt
import uuid

from django.utils import timezone

from audit.recorder import Actor, record
from instaply.errors import NotFound
from platform_staff.models import AccessGrant, AccessGrantConversation, PlatformStaff
from platform_staff.services.grants import grant_event_metadata

Scope = AccessGrant.Scope


def platform_access_denied(
    *, request, staff: PlatformStaff, reason: str, tenant=None, target=None, grant=None
) -> None:
    """Audits a refused attempt; the caller answers 404."""
    metadata = {
        "reason": reason,
        "staff": str(staff.pk),
        "roles": ",".join(staff.roles),
        "country": staff.country,
        "transfer": staff.transfer,
        "route": _route(request),
    }
    if grant is not None:
        metadata["grant"] = str(grant.pk)
    record(
        "platform.access_denied",
        outcome="denied",
        request=request,
        tenant=tenant,
        actor=Actor.platform_staff(staff.user),
        target=target,
        metadata=metadata,
    )


def live_grant(*, request, staff: PlatformStaff, grant_id, now: dt.datetime | None = None):
    """This person's grant with this id, if live; else NotFound (audited)."""
    now = now or timezone.now()
    grant = (
        AccessGrant.objects.dangerously_unscoped(reason="a grant names its tenant; checked below")
        .select_related("tenant")
        .filter(pk=_uuid_or_none(grant_id))
        .first()
    )
    if grant is None:
        platform_access_denied(
            request=request, staff=staff, reason="no_grant", target=("access_grant", grant_id)
        )
        raise NotFound("No grant with this id.")
    if grant.requested_by_id != staff.pk:
        reason = "not_requester"
    elif not staff.has_role("support"):
        reason = "role_removed"
    else:
        reason = {
            AccessGrant.Status.APPROVED: "",
            AccessGrant.Status.PENDING: "not_approved",
            AccessGrant.Status.DENIED: "denied",
            AccessGrant.Status.REVOKED: "revoked",
            AccessGrant.Status.EXPIRED: "expired",
        }[grant.state(now)]
    if reason:
        platform_access_denied(
            request=request,
            staff=staff,
            reason=reason,
            tenant=grant.tenant,
            target=("access_grant", grant.pk),
            grant=grant,
        )
        raise NotFound("No grant with this id.")
    return grant


def granted_conversations(grant: AccessGrant):
    """The conversations a live grant covers, as a queryset of the grant's tenant."""
    from conversations.models import Conversation

    conversations = Conversation.objects.for_tenant(grant.tenant_id)
    if grant.approved_scope == Scope.TENANT:
        return conversations
    approved = AccessGrantConversation.objects.for_tenant(grant.tenant_id).filter(
        grant=grant, approved=True
    )
    return conversations.filter(pk__in=approved.values("conversation_id"))


def granted_conversation(*, request, staff, grant: AccessGrant, conversation_id):
    """A conversation the live grant covers, else NotFound (audited)."""
    conversation = granted_conversations(grant).filter(pk=_uuid_or_none(conversation_id)).first()
    if conversation is None:
        platform_access_denied(
            request=request,
            staff=staff,
            reason="outside_grant",
            tenant=grant.tenant,
            target=("conversation", conversation_id),
            grant=grant,
        )
        raise NotFound("No conversation with this id.")
    return conversation


def platform_read(*, request, staff, grant: AccessGrant, target: tuple[str, object], what: str):
    """Audits one read under a grant: who, role, country, transfer, grant, object."""
    record(
        "platform.access",
        request=request,
        tenant=grant.tenant_id,
        actor=Actor.platform_staff(staff.user),
        target=target,
        metadata=grant_event_metadata(
            grant, read=what, country=staff.country, transfer=staff.transfer
        ),
    )


def platform_staff_on_tenant_route(request) -> bool:
    """True, and the attempt audited, when a platform person's session reaches a
    tenant route (API, member pages, exports). The caller answers 404.

    Platform staff hold no membership (DESIGN.md, rule 12), so tenant routes
    call this only on their refusal paths: members pay no extra query.
    """
    from tenants.models import ApiToken

    if isinstance(getattr(request, "auth", None), ApiToken):
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    staff = PlatformStaff.objects.filter(user=user).first()
    if staff is None:
        return False
    platform_access_denied(request=request, staff=staff, reason="tenant_route")
    return True


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (getattr(match, "route", "") or request.path)[:200]


def _uuid_or_none(value):
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None
