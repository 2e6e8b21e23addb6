"""Row-level security: which tenant's rows PostgreSQL lets this unit of work see.

The application keeps its own scoping (every query of tenant data starts with
``for_tenant`` or ``dangerously_unscoped``); the database holds a second line
behind it. Every tenant table carries a policy comparing the row's tenant with
the setting ``instaply.tenant_id`` of the connection (``instaply/rls_schema.py``),
and the application connects as a role that owns no table, so a query that
forgets its tenant sees nothing rather than another tenant's rows.

What decides the setting, in order:

1. **A queryset's door.** ``for_tenant(t)`` runs as tenant ``t``;
   ``dangerously_unscoped(reason=...)`` runs as the platform role, which bypasses
   the policies. The door travels with the queryset (``tenants/models/base.py``).
2. **The unit of work's tenant.** A request adopts its member's tenant once
   authenticated (``adopt``); a task adopts the tenant of the row it works on.
   Rows saved or deleted one by one, related managers and raw SQL use it.
3. **Platform work** (``platform_work``): sealing, sweeping, retention,
   reporting extract. It runs as the platform role and records one audit event
   per run, naming its reason.
4. Otherwise nobody: a request before authentication, a task before it adopts.

The setting is applied lazily by the database backend (``instaply/db``) before
the next statement whenever the wanted scope differs from the connection's.
On SQLite nothing here has an effect: the application's scoping stands alone.
"""

import contextlib
import contextvars
import logging
from dataclasses import dataclass

from tenants.scoping import tenant_id_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    tenant_id: str = ""  # the tenant whose rows are visible; "" for none
    platform: str = ""  # why the platform role is in use; "" when it is not


NOBODY = Scope()

# The unit of work's scope (None: not set, the process default applies) and the
# scope of a queryset being executed, which wins while it runs.
_ambient: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("rls_ambient", default=None)
_door: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("rls_door", default=None)
_process_default = NOBODY


def tenant_scope(tenant) -> Scope:
    """The scope of one tenant (a Tenant, a tenant row, or a tenant id)."""
    tenant_id = tenant_id_of(tenant)
    return NOBODY if tenant_id is None else Scope(tenant_id=str(tenant_id))


def platform_scope(reason: str) -> Scope:
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("The platform scope needs a reason: say why no tenant applies.")
    return Scope(platform=reason)


def current() -> Scope:
    """The scope the next statement runs under."""
    return _door.get() or _ambient.get() or _process_default


def set_process_default(scope: Scope) -> None:
    """The scope of code outside any unit of work: nobody in servers and workers;
    the test process sets the platform (its fixtures write for several tenants)."""
    global _process_default
    _process_default = scope


@contextlib.contextmanager
def through_door(scope: Scope):
    """Runs a queryset's statements under its own door (tenants/models/base.py)."""
    token = _door.set(scope)
    try:
        yield
    finally:
        _door.reset(token)


def platform_reads(reason: str):
    """A block of reads across tenants that no queryset door can name (a query
    of the tenants directory counting each tenant's rows): the platform role
    for the block, like ``dangerously_unscoped`` for one queryset."""
    return through_door(platform_scope(reason))


@contextlib.contextmanager
def unit_of_work():
    """A request or a task: starts as nobody, and whatever it adopts ends with it."""
    ambient, door = _ambient.set(NOBODY), _door.set(None)
    try:
        yield
    finally:
        _door.reset(door)
        _ambient.reset(ambient)


def adopt(tenant) -> None:
    """The current unit of work acts for ``tenant`` from now on (its end resets it)."""
    _ambient.set(tenant_scope(tenant))


@contextlib.contextmanager
def platform_work(reason: str, *, audited: bool = True):
    """The explicit way in for work that spans tenants, on record.

    Entering it from a scope that is not already the platform's records one
    ``platform.rls_bypass`` audit event naming the reason (once per run of the
    work, not per statement). Only the audit log's own sealing passes
    ``audited=False``: an event per seal would give every seal one more event
    to seal; its seals are its record.
    """
    scope = platform_scope(reason)
    entering = not current().platform
    token = _ambient.set(scope)
    try:
        if entering and audited:
            record_bypass(reason)
        yield
    finally:
        _ambient.reset(token)


def record_bypass(reason: str) -> None:
    """One ``platform.rls_bypass`` event: the platform's way in, on record (and
    ``manage.py``'s, once per command run)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # no policies to bypass on the embedded default
    from audit.recorder import Actor, record  # audit builds on this module

    record("platform.rls_bypass", actor=Actor.system(reason), metadata={"reason": reason})


@contextlib.contextmanager
def for_row(tenant_id):
    """A row saved, deleted or reloaded on its own carries its tenant: outside any
    tenant or platform scope (a task that found it by id), the statement runs as
    that tenant. Inside a tenant's scope it stays there, so a row of another
    tenant is refused by the policy rather than written."""
    if current() != NOBODY or tenant_id is None:
        yield
        return
    with through_door(tenant_scope(tenant_id)):
        yield


def carry_scope(iterable):
    """An iterable that produces its items in the scope current now.

    A streamed response is iterated after the request's unit of work has ended
    (and under ASGI, item by item in other contexts): its queries would run as
    nobody. Each step re-enters the scope of the request that built it.
    """
    scope = _ambient.get()
    iterator = iter(iterable)

    def items():
        while True:
            token = _ambient.set(scope)
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                _ambient.reset(token)
            yield item

    return items()
