"""The few pieces of HTTP the simulator needs: a parsed request, a response, routes."""

import base64
import binascii
import json
import re
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def form(self) -> dict[str, list[str]]:
        """Form fields from the body (POST) or the query string (GET), every value a list."""
        if self.method == "GET":
            return self.query
        if self.content_type == "application/json":
            data = self.json()
            if not isinstance(data, dict):
                return {}
            return {
                key: value if isinstance(value, list) else [value] for key, value in data.items()
            }
        return urllib.parse.parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def json(self):
        """The JSON body; raises ValueError when it is not JSON."""
        if not self.body:
            return {}
        return json.loads(self.body)

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, colon, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user, password) if colon else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, data, headers: dict | None = None) -> Response:
    return Response(status, json.dumps(data).encode(), "application/json", headers or {})


def first(form: dict[str, list[str]], name: str, default=None):
    values = form.get(name)
    return values[0] if values else default


class Router:
    """Maps a method and a path pattern (`{name}` matches one path segment) to a handler
    called as `handler(request, **segments)`."""

    def __init__(self):
        self._routes: list[tuple[str, re.Pattern, object]] = []

    def add(self, method: str, pattern: str, handler):
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self._routes.append((method, re.compile(f"^{regex}$"), handler))

    def resolve(self, method: str, path: str):
        """(handler, segments), or (None, allowed methods) when nothing matches."""
        allowed = []
        for route_method, regex, handler in self._routes:
            match = regex.match(path)
            if match:
                if route_method == method:
                    segments = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
                    return handler, segments
                allowed.append(route_method)
        return None, allowed
