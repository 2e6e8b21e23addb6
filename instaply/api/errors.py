"""One error shape for the whole API.

Every 4xx and 5xx the API returns is
``{"error": {"code": "...", "message": "...", "fields": {...}}}``.
"""

import logging
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from instaply.errors import DomainError, RateLimited

logger = logging.getLogger(__name__)

# Raised by Django's database layer when the server is down or the connection cut.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)

_CODES = {
    exceptions.ParseError: ("malformed_request", None),
    exceptions.AuthenticationFailed: ("not_authenticated", None),
    exceptions.NotAuthenticated: ("not_authenticated", None),
    exceptions.PermissionDenied: ("permission_denied", None),
    exceptions.NotFound: ("not_found", "Not found."),
    exceptions.MethodNotAllowed: ("method_not_allowed", None),
    exceptions.NotAcceptable: ("not_acceptable", None),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", None),
    exceptions.Throttled: ("rate_limited", None),
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def error_response(status_code: int, code: str, message: str, fields: dict | None = None):
    """A plain Django JSON error, for places outside DRF (middleware, URL fallbacks)."""
    response = JsonResponse(error_body(code, message, fields), status=status_code)
    response["Cache-Control"] = "no-store"
    return response


def _flatten(detail) -> dict | list | str:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        response = Response(
            error_body(exc.code, exc.message, exc.fields), status=exc.status_code, headers=headers
        )
        response["Cache-Control"] = "no-store"
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", "The request body is larger than 1 MiB."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )

    if not isinstance(exc, exceptions.APIException):
        return None  # Django logs it and answers through server_error below.

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)

    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            non_field = detail.pop("non_field_errors", None)
            message = non_field[0] if non_field else "Some fields are invalid."
            body = error_body("invalid", message, detail or None)
        else:
            body = error_body("invalid", detail[0] if detail else "Invalid request.")
    else:
        code, message = next(
            ((code, message) for kind, (code, message) in _CODES.items() if isinstance(exc, kind)),
            (exc.default_code, None),
        )
        body = error_body(code, message or str(exc.detail))
    response = Response(body, status=exc.status_code, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


def _is_api(request) -> bool:
    return request.path.startswith(("/api/", "/webhooks/"))


# Exempt: nothing lives here to protect, and an API client (Bearer token, no
# cookie) must learn that the address is wrong, not that a form has expired.
@csrf_exempt
def api_not_found(request, *args, **kwargs):
    return error_response(404, "not_found", "No API endpoint at this address.")


def not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request)
    from web.errors import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    """handler500. Under the API and webhooks, a database that cannot be reached
    (PostgreSQL restarting, a failover) is a 503 saying so: the client, or the
    provider resending a webhook, tries again shortly; nothing was stored."""
    if _is_api(request) and isinstance(sys.exc_info()[1], DATABASE_UNREACHABLE):
        response = error_response(
            503,
            "service_unavailable",
            "The service cannot reach its database for a moment; nothing was done. "
            "Try again shortly.",
        )
        response["Retry-After"] = "5"
        return response
    if _is_api(request):
        return error_response(500, "server_error", "Something went wrong on our side.")
    from web.errors import page_server_error

    return page_server_error(request)


def permission_denied(request, exception=None):
    if _is_api(request):
        return error_response(403, "permission_denied", "You are not allowed to do this.")
    from web.errors import page_permission_denied

    return page_permission_denied(request, exception)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under the API, the site's own page elsewhere."""
    if _is_api(request):
        return error_response(
            403,
            "csrf_failed",
            "This request came with a signed-in session but no valid CSRF token; "
            "API clients authenticate with a Bearer token instead.",
        )
    from web.errors import csrf_failure as page_csrf_failure

    return page_csrf_failure(request, reason)


def bad_request(request, exception=None):
    if _is_api(request):
        return error_response(400, "bad_request", "The request could not be understood.")
    from web.errors import page_bad_request

    return page_bad_request(request, exception)
