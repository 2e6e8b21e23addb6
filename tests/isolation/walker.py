"""Walks every API URL pattern with one tenant's credentials against another
tenant's object ids. Used by the isolation test, and shown to catch a leak."""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

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
