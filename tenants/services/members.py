"""Inviting, promoting and revoking staff.

Owners manage everyone; admins manage everyone but owners. A tenant always
keeps at least one active owner.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.recorder import Actor, record
from instaply.errors import Conflict, Forbidden, Invalid, NotFound
from tenants import credentials
from tenants.models import ApiToken, Invitation, Membership, Role, User
from tenants.models.access import EMAIL_MAX_LENGTH
from tenants.permissions import ROLES_MANAGED_BY
from tenants.scoping import require_same_tenant
from tenants.services.invitation_delivery import invitation_delivery_queue


def _check_may_manage(actor: Membership, role: str) -> None:
    if role not in ROLES_MANAGED_BY.get(actor.role, frozenset()):
        raise Forbidden(f"The {Role(actor.role).label.lower()} role cannot manage {role} members.")


def _check_keeps_an_owner(membership: Membership) -> None:
    if membership.role != Role.OWNER:
        return
    others = (
        Membership.objects.for_tenant(membership.tenant_id)
        .filter(role=Role.OWNER, revoked_at__isnull=True, user__is_active=True)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise Conflict("A tenant must keep at least one active owner.", code="last_owner")


@transaction.atomic
def invitation_create(*, actor: Membership, email: str, role: str) -> Invitation:
    """Invites a person by email. A second invitation to an address that has one
    pending is refused: the admin resends the pending one (a new link), so the
    person never holds two live links that may carry different roles."""
    if role not in Role.values:
        raise Invalid(
            "Unknown role.", fields={"role": [f"Choose one of {', '.join(Role.values)}."]}
        )
    _check_may_manage(actor, role)
    email = email.strip().lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise Invalid(
            "This email address is too long.",
            fields={"email": [f"Use at most {EMAIL_MAX_LENGTH} characters."]},
            code="email_too_long",
        )
    tenant = actor.tenant
    if (
        Membership.objects.for_tenant(tenant)
        .filter(user__email__iexact=email, revoked_at__isnull=True)
        .exists()
    ):
        raise Conflict("This person is already a member.", code="already_member")
    now = timezone.now()
    pending = (
        Invitation.objects.for_tenant(tenant)
        .select_for_update()
        .filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True)
    )
    # An expired invitation is dead: it makes way for the new one.
    pending.filter(expires_at__lte=now).update(revoked_at=now)
    if pending.exists():
        raise _already_invited()
    try:
        with transaction.atomic():  # a savepoint: a concurrent invite may win the race
            invitation = Invitation.objects.create(
                tenant=tenant,
                email=email,
                role=role,
                invited_by=actor,
                expires_at=now + dt.timedelta(hours=settings.INVITATION_TTL_HOURS),
            )
    except IntegrityError:
        raise _already_invited() from None
    record(
        "member.invited",
        tenant=tenant,
        actor=Actor.member(actor),
        target=("invitation", invitation.pk),
        metadata={"role": role},
    )
    invitation_delivery_queue(invitation=invitation)
    return invitation


def _is_platform_staff(user: User) -> bool:
    from platform_staff.models import PlatformStaff  # the platform app builds on tenants

    return PlatformStaff.objects.filter(user=user).exists()


def _already_invited() -> Conflict:
    return Conflict(
        "This address already has a pending invitation; resend it instead.",
        fields={"email": ["An invitation to this address is waiting for an answer."]},
        code="already_invited",
    )


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Emails a new link (the previous one stops working once it left) valid
    for a full period again; used when a mail failed or went astray."""
    invitation = (
        Invitation.objects.for_tenant(actor.tenant_id).select_for_update().get(pk=invitation.pk)
    )
    _check_may_manage(actor, invitation.role)
    if invitation.accepted_at or invitation.revoked_at:
        raise Conflict(
            "This invitation was already accepted or withdrawn.", code="invitation_closed"
        )
    invitation.expires_at = timezone.now() + dt.timedelta(hours=settings.INVITATION_TTL_HOURS)
    invitation.save(update_fields=["expires_at"])
    delivery = invitation_delivery_queue(invitation=invitation)
    record(
        "invitation.resent",
        tenant=invitation.tenant_id,
        actor=Actor.member(actor),
        target=("invitation", invitation.pk),
        metadata={"delivery": str(delivery.pk)},
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    require_same_tenant(actor, invitation)
    _check_may_manage(actor, invitation.role)
    if invitation.accepted_at:
        raise Conflict("This invitation was already accepted.", code="invitation_used")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record(
            "invitation.revoked",
            tenant=invitation.tenant_id,
            actor=Actor.member(actor),
            target=("invitation", invitation.pk),
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, tenant_slug: str, token: str, password: str, full_name: str = ""
) -> Membership:
    """Joins the invitation's tenant. The token is looked up inside the named
    tenant, so a token of one tenant can never open another."""
    now = timezone.now()
    invitation = (
        Invitation.objects.dangerously_unscoped(reason="the link names its tenant and token")
        .select_for_update()
        .filter(tenant__slug=tenant_slug, token_hash=credentials.digest(token))
        .select_related("tenant")
        .first()
    )
    if invitation is None or not invitation.is_usable(now):
        raise NotFound(
            "This invitation link is invalid, used or expired.", code="invitation_invalid"
        )

    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        try:
            validate_password(password, User(email=invitation.email, full_name=full_name))
        except ValidationError as exc:
            raise Invalid(
                "Choose a stronger password.", fields={"password": exc.messages}
            ) from None
        user = User.objects.create_user(invitation.email, password, full_name=full_name)
    elif not user.check_password(password):
        # An existing account joins with its own password, not a new one.
        raise Forbidden("Enter the password of your existing account.", code="wrong_password")
    elif _is_platform_staff(user):
        # Platform staff are outsiders to every tenant (DESIGN.md, rule 12).
        raise Forbidden(
            "This account is platform staff and cannot join a workspace. "
            "Ask for an invitation to another address.",
            code="platform_staff",
        )

    membership, created = Membership.objects.for_tenant(invitation.tenant).get_or_create(
        tenant=invitation.tenant, user=user, defaults={"role": invitation.role}
    )
    if not created:
        membership.role = invitation.role
        membership.revoked_at = None
        membership.save(update_fields=["role", "revoked_at"])
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    record(
        "member.joined",
        tenant=invitation.tenant_id,
        actor=Actor.member(membership),
        target=("invitation", invitation.pk),
        metadata={"role": membership.role},
    )
    return membership


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise Invalid(
            "Unknown role.", fields={"role": [f"Choose one of {', '.join(Role.values)}."]}
        )
    require_same_tenant(actor, membership)
    membership = (
        Membership.objects.for_tenant(actor.tenant_id).select_for_update().get(pk=membership.pk)
    )
    _check_may_manage(actor, membership.role)
    _check_may_manage(actor, role)
    if membership.revoked_at:
        raise Conflict("This membership is revoked.", code="membership_revoked")
    if role != Role.OWNER:
        _check_keeps_an_owner(membership)
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record(
        "member.role_changed",
        tenant=membership.tenant_id,
        actor=Actor.member(actor),
        target=("membership", membership.pk),
        metadata={"from_role": previous, "to_role": role},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: Membership, membership: Membership) -> Membership:
    """Takes effect on the member's very next request: sessions and tokens both
    resolve the membership on every request."""
    require_same_tenant(actor, membership)
    membership = (
        Membership.objects.for_tenant(actor.tenant_id).select_for_update().get(pk=membership.pk)
    )
    _check_may_manage(actor, membership.role)
    _check_keeps_an_owner(membership)
    now = timezone.now()
    if membership.revoked_at is None:
        membership.revoked_at = now
        membership.save(update_fields=["revoked_at"])
    tokens = (
        ApiToken.objects.for_tenant(membership.tenant_id)
        .filter(membership=membership, revoked_at__isnull=True)
        .update(revoked_at=now)
    )
    record(
        "member.revoked",
        tenant=membership.tenant_id,
        actor=Actor.member(actor),
        target=("membership", membership.pk),
        metadata={"role": membership.role, "tokens_revoked": tokens},
    )
    return membership
