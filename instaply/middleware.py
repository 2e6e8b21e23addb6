"""Middleware shared by every app."""

import functools
import re
import uuid

from django.conf import settings
from django.urls import Resolver404, get_urlconf, resolve

from instaply import rls
from instaply.api.errors import error_response
from instaply.logs import current_request_var, request_id_var
from instaply.request_cycles import request_cycles_break

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RowSecurityMiddleware:
    """Each request starts as nobody for row-level security; authentication
    adopts the member's tenant (instaply/rls.py). First, so nothing runs before it,
    and so the last to see the rendered answer: it also unties the request's
    reference cycles then (instaply/request_cycles.py), rather than another
    middleware layer on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with rls.unit_of_work():
            response = self.get_response(request)
        request_cycles_break(request, response)
        return response


def request_id_from(incoming: str) -> str:
    """The request's id: a well-formed X-Request-ID kept, else a new one."""
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives every request an id (kept from a trusted X-Request-ID when well-formed).

    The id is echoed in the response, attached to log lines and audit events.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        token = request_id_var.set(request.request_id)
        current = current_request_var.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request_var.reset(current)
            request_id_var.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


# The paths that take a file (attachments.urls, the widget's files endpoint).
UPLOAD_SUFFIXES = ("/attach", "/files")


class RequestBodyLimitMiddleware:
    """Refuses bodies over MAX_REQUEST_BODY_BYTES with 413 before anything reads them.

    Django's own limit only fires when the body is read, and answers 400; a
    client that sends too much deserves to be told so plainly.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "invalid_content_length", "Content-Length is not a number.")
        limit = settings.MAX_REQUEST_BODY_BYTES
        if request.path_info.endswith(UPLOAD_SUFFIXES):
            # A file upload (attachments): the file's own limit, and room for the form.
            limit = max(limit, settings.ATTACHMENT_MAX_BYTES + 64 * 1024)
        if length > limit:
            return error_response(
                413,
                "payload_too_large",
                f"The request body is {length} bytes; the limit is {limit} bytes.",
            )
        return self.get_response(request)


class WebhookFrontMiddleware:
    """Serves provider webhooks (/webhooks/) from here, past the rest of the stack.

    A webhook is a signed machine POST: no session, user, language, CSRF token,
    lockout or login data applies to it, and each of those middleware costs
    every text CPU (bench/webhook_bench.py names each). What it does need runs
    before this one: the row-security reset, the request id, the body-size
    limit, the security and content-security headers. The host is still
    validated as CommonMiddleware would. A path under the prefix that names no
    webhook goes down the whole stack, to the usual 404.
    """

    PREFIX = "/webhooks/"  # instaply/urls.py mounts channels_sms.webhooks.urls here

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(self.PREFIX):
            return self.get_response(request)
        match = _webhook_match(request.path_info, get_urlconf() or settings.ROOT_URLCONF)
        if match is None:
            return self.get_response(request)
        request.get_host()  # DisallowedHost (a 400) for a host not ours
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        response.setdefault("X-Frame-Options", "DENY")  # XFrameOptionsMiddleware's, skipped
        return response


@functools.lru_cache(maxsize=64)
def _webhook_match(path: str, urlconf: str):
    """A webhook path's view, resolved once per process: its few fixed paths
    would otherwise walk the whole URL conf on every text (about 100 µs)."""
    try:
        return resolve(path, urlconf)
    except Resolver404:
        return None
