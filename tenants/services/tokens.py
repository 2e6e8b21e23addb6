"""API tokens: shown once, stored as digests, revocable."""

from django.db import transaction
from django.utils import timezone

from audit.recorder import Actor, record
from instaply.errors import Forbidden
from tenants import credentials
from tenants.models import ApiToken, Membership
from tenants.permissions import Capability
from tenants.scoping import require_same_tenant


@transaction.atomic
def api_token_create(*, membership: Membership, name: str) -> tuple[ApiToken, str]:
    raw, digest = credentials.new_secret(credentials.API_TOKEN_PREFIX)
    token = ApiToken.objects.create(
        tenant_id=membership.tenant_id,
        membership=membership,
        name=name,
        prefix=raw[: len(credentials.API_TOKEN_PREFIX) + 4],
        token_hash=digest,
    )
    record(
        "token.created",
        tenant=membership.tenant_id,
        actor=Actor.member(membership),
        target=("api_token", token.pk),
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Membership, token: ApiToken) -> ApiToken:
    require_same_tenant(actor, token)
    if token.membership_id != actor.pk and not actor.can(Capability.STAFF_MANAGE):
        raise Forbidden("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            "token.revoked",
            tenant=token.tenant_id,
            actor=Actor.member(actor),
            target=("api_token", token.pk),
        )
    return token
