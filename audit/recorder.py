"""The one function that writes the audit log.

``record`` is a single INSERT on the caller's connection: inside a service's
``transaction.atomic`` the event commits or rolls back with the change it
describes; outside one it commits at once, durably (synchronous commit), before
the response it describes is sent. It takes no lock, reads nothing back and
buffers nothing.

Every app records through this module, so it depends on nothing above it: what
watches the log (the alert rules, see audit.apps) registers a listener with
``listen`` and hears of each event as it is written.

Every API read of personal data records an event, so the write is kept lean:
the INSERT statement is built once per database, the values go through each
field's own ``get_db_prep_save`` (bench/audit_bench.py measures what it costs).
"""

import datetime as dt
import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from django.conf import settings
from django.db import connections, router
from rest_framework.exceptions import APIException

from audit.models import AuditEvent
from instaply.client_ip import client_ip
from instaply.logs import current_request_var, neutralise, request_id_var

OUTCOMES = frozenset(AuditEvent.Outcome.values)
_ACTION = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

MAX_KEYS = 32
MAX_LIST_ITEMS = 32
MAX_STRING = 256
TRUNCATED = "[truncated]"
REDACTED = "[redacted]"

# Keys that announce personal content. A net for mistakes, not a guarantee:
# metadata holds ids, counts and codes, never what a person wrote or who they are.
_PERSONAL_WORDS = frozenset({"email", "phone", "password", "secret", "body"})
_PERSONAL_LAST_WORDS = frozenset({"name", "text", "content", "address", "message", "subject"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# With or without "+": Vonage writes numbers without it, people type national forms.
_PHONE = re.compile(r"^\+?\d{7,15}$")
# A calendar date (2026-03-08) has eight digits but is nobody's number.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Beyond CR/LF (instaply.logs.neutralise): NUL, which PostgreSQL text refuses,
# other C0 controls, DEL, and the Unicode line breaks some viewers honour.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
# A leading character that makes a spreadsheet evaluate a cell.
_FORMULA = ("=", "+", "-", "@")

# Called with each event just written, inside the caller's transaction.
_listeners: list[Callable[[AuditEvent], None]] = []


def listen(listener: Callable[[AuditEvent], None]) -> None:
    """Registers ``listener(event)`` for every event recorded from now on (once)."""
    if listener not in _listeners:
        _listeners.append(listener)


@dataclass(frozen=True)
class Actor:
    """Who acted. ``member_id`` is the membership behind a member or token actor."""

    kind: str
    id: str = ""
    member_id: uuid.UUID | None = None

    @classmethod
    def member(cls, membership) -> "Actor":
        return cls("member", str(membership.pk), membership.pk)

    @classmethod
    def api_token(cls, token) -> "Actor":
        return cls("api_token", str(token.pk), token.membership_id)

    @classmethod
    def user(cls, user) -> "Actor":
        return cls("user", str(user.pk))

    @classmethod
    def platform_staff(cls, user) -> "Actor":
        return cls("platform_staff", str(user.pk))

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls("system", name)

    @classmethod
    def anonymous(cls) -> "Actor":
        return cls("anonymous")


def record(
    action: str,
    *,
    outcome: str = "success",
    request=None,
    tenant=None,
    actor: Actor | None = None,
    target: tuple[str, object] | None = None,
    metadata: dict | None = None,
) -> AuditEvent:
    """Writes one audit event and returns it.

    ``request`` fills the IP (by the trusted-proxy rule), user agent, request id,
    and, when not given, the actor (token > membership > user > anonymous) and
    the tenant. Without a request, the request id still comes from the request
    being served, if any, and the actor defaults to an unattributed system actor.
    """
    # A service called below a view passes no request: the one being served
    # still gives the IP, user agent and request id (never the actor or tenant).
    served = request if request is not None else current_request_var.get()
    if not isinstance(action, str) or not _ACTION.match(action) or len(action) > 64:
        raise ValueError(f"Audit action {action!r} is not a dotted lowercase name.")
    if outcome not in OUTCOMES:
        raise ValueError(f"Audit outcome must be one of {sorted(OUTCOMES)}; got {outcome!r}.")
    if actor is None:
        actor = _actor_from(request) if request is not None else Actor.system("unattributed")
    if tenant is None and request is not None:
        tenant = _tenant_from(request)
    target_kind, target_id = target if target is not None else ("", "")

    event = AuditEvent(
        tenant_id=_tenant_id(tenant),
        actor_kind=clean_text(actor.kind, 16),
        actor_id=clean_text(actor.id, 64),
        actor_member_id=actor.member_id,
        action=action,
        outcome=outcome,
        target_kind=clean_text(target_kind, 32),
        target_id=clean_text("" if target_id is None else target_id, 64),
        ip=client_ip(served) if served is not None else None,
        user_agent=_user_agent(served),
        request_id=clean_text(_request_id(served), 64),
        metadata=clean_metadata(metadata),
    )
    _insert(event)
    for listener in _listeners:
        listener(event)
    return event


def _insert(event: AuditEvent) -> None:
    """INSERTs a new event as ``save()`` would, minus the ORM's per-call SQL
    compilation and signals (nothing listens to audit events): the statement is
    built once, the values go through each field's ``get_db_prep_save``."""
    alias = router.db_for_write(AuditEvent, instance=event)
    connection = connections[alias]
    sql, fields = _insert_statement(alias)
    values = [field.get_db_prep_save(field.pre_save(event, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    event._state.adding, event._state.db = False, alias


@functools.cache
def _insert_statement(alias: str) -> tuple[str, tuple]:
    meta = AuditEvent._meta
    fields = tuple(meta.concrete_fields)
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model's own metadata; every value is a parameter.
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})", fields  # noqa: S608


def clean_text(value, limit: int) -> str:
    """Neutralised (no CR, LF or other control characters) and at most ``limit`` long."""
    text = neutralise(value)
    text = _CONTROL.sub(_escape, text)
    return text[:limit]


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_metadata(metadata: dict | None) -> dict:
    """A flat object of scalars and lists of scalars, within the size cap.

    Structure is the caller's choice, so a wrong one raises; values can come
    from outside, so they are neutralised, truncated or redacted instead.
    """
    if not metadata:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError("Audit metadata must be a dict.")
    if len(metadata) > MAX_KEYS:
        raise ValueError(f"Audit metadata has more than {MAX_KEYS} keys.")
    cleaned = {}
    for key, value in metadata.items():
        _check_key(key)
        if isinstance(value, list | tuple):
            items = [_scalar(item) for item in value[:MAX_LIST_ITEMS]]
            if len(value) > MAX_LIST_ITEMS:
                items.append(f"[+{len(value) - MAX_LIST_ITEMS} more]")
            cleaned[key] = items
        else:
            cleaned[key] = _scalar(value)
    return _within_cap(cleaned)


@functools.lru_cache(maxsize=1024)
def _check_key(key) -> None:
    """Raises for a key that is malformed or announces personal content. Keys
    are the code's own few names, so each is checked once (a refusal is not cached)."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(f"Audit metadata key {key!r} is not a short snake_case name.")
    words = key.split("_")
    if _PERSONAL_WORDS.intersection(words) or words[-1] in _PERSONAL_LAST_WORDS:
        raise ValueError(f"Audit metadata key {key!r} suggests personal content.")


def _scalar(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        # Beyond 2**53 a JSON reader may round; the chain must read what was written.
        return value if abs(value) <= 2**53 else str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, str | float | Decimal | uuid.UUID | dt.date | Enum):
        # Floats become text: the canonical encoding has no floating point.
        text = clean_text(value.value if isinstance(value, Enum) else value, MAX_STRING)
        return REDACTED if _looks_personal(text) else text
    raise TypeError(f"Audit metadata values must be scalars or lists of scalars; got {value!r}.")


def _looks_personal(text: str) -> bool:
    if _ISO_DATE.match(text):
        return False
    return bool(_EMAIL.search(text) or _PHONE.match(re.sub(r"[\s().-]", "", text)))


def _within_cap(metadata: dict) -> dict:
    """Replaces the largest values until the encoded object fits the cap."""
    cap = settings.AUDIT_METADATA_MAX_BYTES

    def size(value) -> int:
        return len(json.dumps(value, ensure_ascii=True))

    if size(metadata) <= cap:
        return metadata
    for key in sorted(metadata, key=lambda k: (-size(metadata[k]), k)):
        metadata[key] = TRUNCATED
        if size(metadata) <= cap:
            break
    return metadata


def _actor_from(request) -> Actor:
    from tenants.models import ApiToken

    auth = _attribute(request, "auth")
    if isinstance(auth, ApiToken):
        return Actor.api_token(auth)
    membership = getattr(request, "membership", None)
    if membership is not None:
        return Actor.member(membership)
    user = _attribute(request, "user")
    if user is not None and user.is_authenticated:
        return Actor.user(user)
    return Actor.anonymous()


def _attribute(request, name: str):
    try:
        return getattr(request, name, None)
    except APIException:
        # A DRF request authenticates lazily; refused credentials mean nobody.
        return None


def _tenant_from(request):
    tenant = getattr(request, "tenant", None)
    if tenant is not None:
        return tenant
    membership = getattr(request, "membership", None)
    if membership is not None:
        return membership.tenant_id
    from tenants.models import ApiToken

    auth = _attribute(request, "auth")
    return auth.tenant_id if isinstance(auth, ApiToken) else None


def _tenant_id(tenant) -> uuid.UUID | None:
    if tenant is None:
        return None
    value = getattr(tenant, "pk", tenant)
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _user_agent(request) -> str:
    if request is None:
        return ""
    agent = clean_text(request.META.get("HTTP_USER_AGENT", ""), 256)
    return "'" + agent[:255] if agent.startswith(_FORMULA) else agent


def _request_id(request) -> str:
    if request is not None and getattr(request, "request_id", None):
        return request.request_id
    current = request_id_var.get()
    return "" if current == "-" else current
