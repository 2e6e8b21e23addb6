"""`Authorization: Bearer <token>` for the API."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from tenants import credentials
from tenants.models import ApiToken


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword != self.keyword:
            return None
        raw = raw.strip()
        if not raw.startswith(credentials.API_TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed("Malformed bearer token.")
        # Sliced rather than .first(): the hash is unique, and skipping the
        # ORDER BY saves its compilation on every API request.
        found = (
            ApiToken.objects.dangerously_unscoped(reason="the bearer token finds its tenant")
            .select_related("membership__user", "membership__tenant")
            .filter(token_hash=credentials.digest(raw))[:1]
        )
        token = found[0] if found else None
        if token is None or token.revoked_at is not None or not token.membership.is_active:
            raise exceptions.AuthenticationFailed("This token is invalid or has been revoked.")
        self._touch(token)
        return token.membership.user, token

    def authenticate_header(self, request):
        return self.keyword

    @staticmethod
    def _touch(token: ApiToken) -> None:
        """Records last use at most once a minute, so reads do not all write."""
        now = timezone.now()
        every = dt.timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
        if token.last_used_at is None or now - token.last_used_at >= every:
            ApiToken.objects.for_tenant(token.tenant_id).filter(pk=token.pk).update(
                last_used_at=now
            )
            token.last_used_at = now
