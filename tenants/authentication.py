"""`Authorization: Bearer <token>` for the API."""

import datetime as dt
import functools

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from rest_framework import authentication, exceptions

from instaply import rls
from tenants import credentials
from tenants.models import ApiToken, Membership, Tenant, User

_FOUND_BY = "the bearer token finds its tenant"


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
        # Read from the database on every request, never cached: revoking the
        # token, its membership or its user's account holds from the next request.
        token = token_by_digest(credentials.digest(raw))
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


# The token, its membership, the member's user and tenant, in whole rows (as
# select_related would load them), linked as the ORM links them.
_JOINED = (
    (ApiToken, None),
    (Membership, "membership_id"),
    (User, "user_id"),
    (Tenant, "tenant_id"),
)


def token_by_digest(token_hash: str) -> ApiToken | None:
    """The token with this digest, with its membership, user and tenant: one query.

    Every API request runs it. Written once per process rather than compiled
    by the ORM each time: the ORM's compilation of this four-table join cost
    more CPU than the rest of a bare authenticated request (bench/inbox_bench.py,
    "token lookup"). Executed through Django's cursor, so it is counted and
    wrapped like any query, as the platform role: the token names its tenant.
    """
    connection = connections[router.db_for_read(ApiToken)]
    sql, columns, converters = _token_statement(connection.alias)
    with rls.platform_reads(_FOUND_BY), connection.cursor() as cursor:
        cursor.execute(sql, [token_hash])
        found = cursor.fetchone()
        if found is not None and connection.vendor == "postgresql":
            # The statement left the connection in the token's tenant (see
            # _TENANT_SCOPE): the request's first tenant query needs no switch.
            tenant_id = found[len(columns) - len(Tenant._meta.concrete_fields)]
            connection.scope_set_by_statement(rls.tenant_scope(tenant_id))
    if found is None:
        return None
    row = list(found[: len(columns)])
    for i, chain in converters:
        for convert in chain:
            row[i] = convert(row[i], columns[i], connection)
    objects, start = [], 0
    for model, _ in _JOINED:
        fields = model._meta.concrete_fields
        values = row[start : start + len(fields)]
        objects.append(model.from_db(connection.alias, [f.attname for f in fields], values))
        start += len(fields)
    token, membership, user, tenant = objects
    token.membership, membership.user, membership.tenant = membership, user, tenant
    return token


# Read as the platform role (the token names its tenant), the row then sets the
# scope of the token's tenant, as instaply/db's switch would before the request's
# first tenant query: that switch no longer costs a page a round trip of its own
# (a prepared page query cannot carry it). Evaluated with the row, once it is
# found: a digest that finds no row leaves the platform role set, as before.
# The role goes back to the connection's own ("none"), the tenant's policies
# apply to every later statement. Revocation is untouched: the row and its
# membership are read, and judged, on every request.
_TENANT_SCOPE = (
    "set_config('instaply.tenant_id', {tenant}::text, false), set_config('role', 'none', false)"
)


@functools.cache
def _token_statement(alias: str):
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns, joins = [], []
    for model, key in _JOINED:
        table = model._meta.db_table
        columns += [field.get_col(table) for field in model._meta.concrete_fields]
        if key:  # the membership joins the token; the user and the tenant join the membership
            source = ApiToken if model is Membership else Membership
            joins.append(
                f"JOIN {quote(table)} ON {quote(table)}.{quote(model._meta.pk.column)}"
                f" = {quote(source._meta.db_table)}.{quote(key)}"
            )
    token_table = quote(ApiToken._meta.db_table)
    selected = ", ".join(f"{quote(c.alias)}.{quote(c.target.column)}" for c in columns)
    if connection.vendor == "postgresql":
        selected += ", " + _TENANT_SCOPE.format(
            tenant=f"{quote(Membership._meta.db_table)}.{quote('tenant_id')}"
        )
    where = f"{token_table}.{quote('token_hash')} = %s"
    # Names from model metadata only; the digest is a parameter.
    sql = f"SELECT {selected} FROM {token_table} {' '.join(joins)} WHERE {where}"  # noqa: S608
    # The values as the ORM would hand them over (UUIDs on SQLite, JSON, booleans).
    converters = [
        (i, chain)
        for i, column in enumerate(columns)
        if (
            chain := [
                *connection.ops.get_db_converters(column),
                *column.get_db_converters(connection),
            ]
        )
    ]
    return sql, columns, converters
