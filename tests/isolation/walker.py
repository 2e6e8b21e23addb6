"""Walks every API URL pattern with one tenant's credentials against another
tenant's object ids. Used by the isolation test, and shown to catch a leak."""

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import F
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers

from tenants.api.base import TenantAPIView

API_PREFIX = "api/v1/"
_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Endpoint:
    route: str
    name: str
    view_class: type

    @property
    def params(self) -> list[str]:
        return [m["name"] for m in _PARAM.finditer(self.route)]

    def methods(self) -> list[str]:
        if issubclass(self.view_class, TenantAPIView):
            return list(self.view_class.capabilities)
        return [
            m.upper()
            for m in ("get", "post", "put", "patch", "delete")
            if hasattr(self.view_class, m)
        ]

    def path(self, ids: dict[str, str]) -> str:
        return "/" + _PARAM.sub(lambda m: str(ids[m["name"]]), self.route)


def api_endpoints(urlconf: str | None = None) -> Iterator[Endpoint]:
    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                view_class = getattr(pattern.callback, "view_class", None)
                if route.startswith(API_PREFIX) and view_class is not None:
                    yield Endpoint(route, f"{namespace}:{pattern.name}", view_class)

    yield from walk(get_resolver(urlconf).url_patterns, "", "")


@dataclass
class Walk:
    exercised: list[str]
    failures: list[str]


def walk_api(
    *,
    client,
    foreign_ids: dict[str, Callable[[], str]],
    foreign_values: list[str],
    public: dict[str, str],
    urlconf: str | None = None,
) -> Walk:
    """Calls every method of every API endpoint.

    Endpoints with an id in their path must answer 404 for the other tenant's ids.
    Endpoints without one must not mention any of the other tenant's ids.
    """
    result = Walk(exercised=[], failures=[])
    for endpoint in api_endpoints(urlconf):
        if endpoint.name in public:
            continue
        if not issubclass(endpoint.view_class, TenantAPIView):
            result.failures.append(
                f"{endpoint.route}: {endpoint.view_class.__name__} is not a TenantAPIView "
                "and not declared public"
            )
            continue
        unknown = [p for p in endpoint.params if p not in foreign_ids]
        if unknown:
            result.failures.append(
                f"{endpoint.route}: no foreign object for {unknown}; extend the isolation walk"
            )
            continue
        path = endpoint.path({p: foreign_ids[p]() for p in endpoint.params})
        for method in endpoint.methods():
            if method in ("GET", "HEAD", "DELETE"):
                response = getattr(client, method.lower())(path)
            else:
                response = getattr(client, method.lower())(
                    path, data=json.dumps({}), content_type="application/json"
                )
            label = f"{method} {endpoint.route}"
            result.exercised.append(label)
            if endpoint.params:
                if response.status_code != 404:
                    result.failures.append(f"{label}: expected 404, got {response.status_code}")
            else:
                # Exports stream their body; read it whole to look for leaks.
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                content = body.decode(errors="replace")
                leaked = [v for v in foreign_values if v in content]
                if leaked:
                    result.failures.append(f"{label}: answer contains the other tenant's {leaked}")
    return result


# Ids in request bodies -----------------------------------------------------------

WRITES = ("POST", "PUT", "PATCH")
# Body fields named otherwise than the object they address.
BODY_ID_NAMES = {
    "assignee": "member_id",
    "contact_id": "contact_id",
    "conversations": "conversation_id",
}
# Values for fields the walk cannot make up from their type alone.
BODY_SAMPLES = {
    "number": "+15017122699",
    "colour": "#123456",
    "text_colour": "#ffffff",
    "subject_asked_on": "2026-01-01",
}


def _is_id_field(field) -> bool:
    single = serializers.UUIDField | serializers.PrimaryKeyRelatedField
    # A list of ids (a selection of conversations) is walked like one id.
    return isinstance(field, single) or (
        isinstance(field, serializers.ListField) and isinstance(field.child, single)
    )


def _id_value(view_class, name: str, value: str):
    """An id as the field takes it: alone, or as the one item of a list."""
    field = view_class.Input().fields[name]
    return [value] if isinstance(field, serializers.ListField) else value


def body_id_fields(view_class) -> dict[str, str]:
    """The id fields of a view's input, by the name of the object they address."""
    Input = getattr(view_class, "Input", None)
    if Input is None:
        return {}
    return {
        name: BODY_ID_NAMES.get(name, f"{name}_id")
        for name, field in Input().fields.items()
        if _is_id_field(field) and not field.read_only
    }


def _sample(name, field):
    if name in BODY_SAMPLES:
        return BODY_SAMPLES[name]
    if isinstance(field, serializers.ChoiceField):
        return next(iter(field.choices))
    if isinstance(field, serializers.BooleanField):
        return True
    if isinstance(field, serializers.EmailField):
        return "walker@a.example"
    if isinstance(field, serializers.DateTimeField):
        return "2099-01-01T00:00:00Z"
    if isinstance(field, serializers.ListField):
        return []
    if isinstance(field, serializers.JSONField):
        return {}
    return "walk"


def valid_body(view_class, ids: dict[str, Callable[[], str]]) -> dict:
    """Every required field, and every id field, with the caller's own values."""
    id_fields = body_id_fields(view_class)
    body = {}
    for name, field in view_class.Input().fields.items():
        if name in id_fields:
            body[name] = _id_value(view_class, name, ids[id_fields[name]]())
        elif field.required or name in BODY_SAMPLES:
            body[name] = _sample(name, field)
    return body


def tenant_models() -> list[type]:
    from tests.scoping.checker import tenant_models as models

    return models()


def cross_tenant_references() -> list[str]:
    """Rows whose foreign key points at another tenant's row (a label of B on a
    conversation of A, a number of A in B's shop): none may exist, ever."""
    found, models = [], tenant_models()
    for model in models:
        rows = model._default_manager.dangerously_unscoped(
            reason="the walk looks for rows that span two tenants"
        )
        for field in model._meta.concrete_fields:
            target = field.related_model
            if not field.is_relation or target is None or field.name == "tenant":
                continue
            if target not in models:
                continue
            spanning = rows.filter(**{f"{field.name}__isnull": False}).exclude(
                **{f"{field.name}__tenant": F("tenant")}
            )
            if spanning.exists():
                found.append(f"{model.__name__}.{field.name}")
    return found


def fingerprint(tenant) -> dict[str, str]:
    """A digest of every row of the tenant, by model: changes show up as a new digest."""
    digests = {}
    for model in tenant_models():
        rows = model._default_manager.for_tenant(tenant).order_by("pk").values_list()
        digests[model.__name__] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digests


def walk_bodies(
    *,
    client,
    own: dict[str, Callable[[], str]],
    foreign: dict[str, Callable[[], str]],
    foreign_tenant,
    public: dict[str, str],
    urlconf: str | None = None,
) -> Walk:
    """Sends the other tenant's id in each id field of each writable endpoint, with
    everything else valid and the caller's own (the URL's ids included).

    Each must be refused (400 on the field, or 404) and change nothing of the
    other tenant's; the same body with the caller's own ids must be accepted, or
    the walk proved nothing for that endpoint.
    """
    result = Walk(exercised=[], failures=[])
    before = fingerprint(foreign_tenant)
    for endpoint in api_endpoints(urlconf):
        if endpoint.name in public or not issubclass(endpoint.view_class, TenantAPIView):
            continue
        fields = body_id_fields(endpoint.view_class)
        methods = [m for m in endpoint.methods() if m in WRITES]
        if not fields or not methods:
            continue
        unknown = sorted({i for i in [*fields.values(), *endpoint.params] if i not in foreign})
        if unknown:
            result.failures.append(
                f"{endpoint.route}: no foreign object for {unknown}; extend the isolation walk"
            )
            continue
        path = endpoint.path({p: own[p]() for p in endpoint.params})
        for method in methods:
            send = getattr(client, method.lower())
            for name, key in fields.items():
                foreign_id = _id_value(endpoint.view_class, name, foreign[key]())
                body = valid_body(endpoint.view_class, own) | {name: foreign_id}
                response = send(path, data=json.dumps(body), content_type="application/json")
                label = f"{method} {endpoint.route} body {name}"
                result.exercised.append(label)
                if response.status_code not in (400, 404):
                    result.failures.append(
                        f"{label}: expected 400 or 404, got {response.status_code}"
                    )
                # Checked before the control request below can undo the damage.
                spanning = cross_tenant_references()
                result.failures += [f"{label}: rows span two tenants: {r}" for r in spanning]
            control = send(
                path,
                data=json.dumps(valid_body(endpoint.view_class, own)),
                content_type="application/json",
            )
            if not 200 <= control.status_code < 300:
                result.failures.append(
                    f"{method} {endpoint.route}: the walk's body is refused with the caller's own "
                    f"ids ({control.status_code} {control.content[:200]!r}); extend BODY_SAMPLES"
                )
    changed = [
        name for name, digest in fingerprint(foreign_tenant).items() if before[name] != digest
    ]
    if changed:
        result.failures.append(f"the other tenant's data changed: {changed}")
    return result


# Web pages -----------------------------------------------------------------------

# Forms of the pages that carry ids in their body: field -> the object it names
# (a key of the ids fixture) or a plain value that makes the rest valid.
PAGE_FORMS = {
    "web:assign": {"assignee": "member_id"},
    "web:labels": {"label": "label_id"},
    "web:numbers": {"shop": "shop_id", "account": "account_id", "number": "+15017122644"},
    "web:widgets": {"shop": "shop_id"},
    "web:legal-holds": {"contact": "contact_id", "reason": "isolation walk"},
    "web:switch-tenant": {"tenant": "tenant_slug"},
    "web:platform-access-approve": {
        "narrow": "conversations",
        "conversation_list": "conversation_id",
    },
    "web:privacy-request-new": {
        "contact_id": "contact_id",
        "request_type": "access",
        "subject_asked_on": "2026-01-01",
        "identity_verified": "on",
    },
    "web:privacy-request-answer": {"contact_id": "contact_id"},
    "web:inbox-bulk": {
        "action": "assign",
        "conversations": "conversation_id",
        "assignee": "member_id",
    },
}


@dataclass(frozen=True)
class Page:
    route: str
    name: str

    @property
    def params(self) -> list[str]:
        return [m["name"] for m in _PARAM.finditer(self.route)]

    def path(self, ids: dict[str, str]) -> str:
        return "/" + _PARAM.sub(lambda m: str(ids[m["name"]]), self.route)


def web_pages(urlconf: str | None = None, namespaces=("web",)) -> Iterator[Page]:
    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and namespace in namespaces:
                yield Page(prefix + str(pattern.pattern), f"{namespace}:{pattern.name}")

    yield from walk(get_resolver(urlconf).url_patterns, "", "")


def _body(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return data.decode(errors="replace")


def walk_pages(
    *,
    client,
    own: dict[str, Callable[[], str]],
    foreign: dict[str, Callable[[], str]],
    foreign_values: list[str],
    foreign_tenant,
    public: dict[str, str],
    urlconf: str | None = None,
    namespaces=("web",),
    forms: dict | None = None,
) -> Walk:
    """GETs and POSTs every page with the other tenant's ids: in the address they
    are a 404 (or 405 for a method the page does not take); in a form's body they
    are refused. No answer shows the other tenant's values, none of its rows
    changes, and no row comes to span the two tenants."""
    result = Walk(exercised=[], failures=[])
    before = fingerprint(foreign_tenant)
    forms = PAGE_FORMS if forms is None else forms
    spans: set[str] = set()

    def check(label, response, expected=None, sent=()):
        result.exercised.append(label)
        if expected is not None and response.status_code not in expected:
            result.failures.append(f"{label}: expected {expected}, got {response.status_code}")
        # An error page may repeat what the caller sent; anything else of B's is a leak.
        leaked = [v for v in foreign_values if v in _body(response) and v not in sent]
        if leaked:
            result.failures.append(f"{label}: answer contains the other tenant's {leaked}")
        for span in sorted(set(cross_tenant_references()) - spans):
            spans.add(span)  # named once, by the request that made it
            result.failures.append(f"{label}: rows span two tenants: {span}")

    for page in web_pages(urlconf, namespaces):
        if page.name in public:
            continue
        unknown = [p for p in page.params if p not in foreign]
        if unknown:
            result.failures.append(
                f"{page.route}: no foreign object for {unknown}; extend the isolation walk"
            )
            continue
        if page.params:
            sent = [foreign[p]() for p in page.params]
            path = page.path({p: foreign[p]() for p in page.params})
            check(f"GET {page.route}", client.get(path), (404, 405), sent)
            check(f"POST {page.route}", client.post(path), (404, 405), sent)
        elif page.name not in forms:
            check(f"GET {page.route}", client.get(page.path({})))
        form = forms.get(page.name)
        if form:
            path = page.path({p: own[p]() for p in page.params})
            for name, value in form.items():
                if value not in foreign:
                    continue
                body = {f: (own[v]() if v in own else v) for f, v in form.items()}
                body[name] = foreign[value]()
                # Not a 2xx showing B's content (the check above), nor a change below.
                check(f"POST {page.route} form {name}", client.post(path, body), sent=[body[name]])
    changed = [
        name for name, digest in fingerprint(foreign_tenant).items() if before[name] != digest
    ]
    if changed:
        result.failures.append(f"the other tenant's data changed: {changed}")
    return result
