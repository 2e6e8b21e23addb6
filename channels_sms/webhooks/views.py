"""Provider webhooks: inbound texts and delivery statuses from Twilio and Vonage.

Each request: the signature is checked on the parameters exactly as received,
against the public URL the provider called, with the secret of the account our
records route it to; a missing or wrong one is a 403 and an audit event, and
nothing is stored. A good one is stored once (a retry changes nothing), its
processing queued after commit, and the provider answered at once.
"""

import json

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from twilio.twiml.messaging_response import MessagingResponse

from audit.recorder import record
from channels_sms.models import DeliveryKind
from channels_sms.providers import provider_for
from channels_sms.services import routing
from channels_sms.services.deliveries import delivery_record
from instaply import rls
from instaply.api.errors import error_response
from instaply.ratelimit import by_ip, hit, too_many_requests

EMPTY_TWIML = str(MessagingResponse())
TWILIO_SIGNATURE = "HTTP_X_TWILIO_SIGNATURE"


def public_url(request) -> str:
    """The URL the provider called: behind proxies, our public address, never
    the Host header a client chose."""
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def _refuse(request, *, provider: str, endpoint: str, reason: str, tenant_id=None):
    verdict = hit("sms_webhook_denied", by_ip(request), fail_open=True)
    if not verdict.allowed:
        # A flood of forged requests must not become a flood of audit rows.
        return too_many_requests(request, verdict.retry_after)
    record(
        "sms.webhook_rejected",
        outcome="denied",
        request=request,
        tenant=tenant_id,
        metadata={"provider": provider, "endpoint": endpoint, "reason": reason},
    )
    return error_response(403, "invalid_signature", "The webhook signature is missing or wrong.")


def _no_message_id():
    return error_response(400, "malformed_request", "The webhook names no message id.")


def _checked(request, *, provider: str, endpoint: str, params, signature: str, key, find):
    """(route, None) for a signed webhook within its rate, else (None, the answer).

    The route may come from this process's book (channels_sms/services/routing.py);
    the routes version read with the rate-limit count says whether it still
    stands. When it does not, or its secret does not match the signature (a
    rotated secret), the webhook is routed again from the database and its
    signature checked again, before anything is stored or refused."""
    url = public_url(request)
    route, found_at, from_book = routing.book.find(key, find)
    valid = route_signature_valid(route, url, params, signature)
    if from_book and not valid:
        route, from_book = find(), False
        valid = route_signature_valid(route, url, params, signature)
    refused = _admit(request, route, valid, provider=provider, endpoint=endpoint)
    if refused:
        return None, refused
    verdict = hit("sms_webhook", route.rate_key, fail_open=True, read=routing.ROUTES_VERSION)
    if not routing.book.confirm(key, route, found_at, verdict.read) and from_book:
        route = find()  # its rate is counted already
        valid = route_signature_valid(route, url, params, signature)
        refused = _admit(request, route, valid, provider=provider, endpoint=endpoint)
        if refused:
            return None, refused
    if not verdict.allowed:
        return None, too_many_requests(request, verdict.retry_after)
    return route, None


def _admit(request, route, valid: bool, *, provider: str, endpoint: str):
    """The refusal (403 for an unknown account or a bad signature), or None with
    the route's tenant adopted: a signed webhook of a tenant sees its rows only."""
    if route is None:
        return _refuse(request, provider=provider, endpoint=endpoint, reason="unknown_account")
    if not valid:
        return _refuse(
            request,
            provider=route.provider,
            endpoint=endpoint,
            reason="invalid_signature",
            tenant_id=route.tenant_id,
        )
    rls.adopt(route.tenant_id)  # None (a platform number): nobody's rows
    return None


def route_signature_valid(route, url: str, params, signature: str) -> bool:
    """Whether ``signature`` is the route's provider's signature of ``params`` sent to
    ``url`` (shared with the native intake, channels_sms/webhooks/intake.py)."""
    if route is None:
        return False
    return provider_for(route.provider).signature_valid(
        credentials=route.credentials, url=url, params=params, signature=signature
    )


def _twilio(request, *, kind: str):
    endpoint = "sms" if kind == DeliveryKind.MESSAGE else "status"
    if request.method != "POST":
        return error_response(405, "method_not_allowed", "Twilio webhooks are POST requests.")
    signature = request.META.get(TWILIO_SIGNATURE, "")
    if not signature:
        return _refuse(request, provider="twilio", endpoint=endpoint, reason="missing_signature")
    params = request.POST
    own = "To" if kind == DeliveryKind.MESSAGE else "From"
    route, refused = _checked(
        request,
        provider="twilio",
        endpoint=endpoint,
        params=params,
        signature=signature,
        key=routing.twilio_route_key(params, own_number_field=own),
        find=lambda: routing.twilio_route(params, own_number_field=own),
    )
    if refused:
        return refused
    message_id = params.get("MessageSid") or params.get("SmsSid", "")
    if not message_id:
        return _no_message_id()
    delivery_record(
        route=route,
        kind=kind,
        provider_message_id=message_id,
        provider_status=params.get("MessageStatus", "") if kind == DeliveryKind.STATUS else "",
        payload=params.dict(),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def _vonage_params(request) -> dict | None:
    if request.method == "GET":
        return request.GET.dict()
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return None
        return {str(k): v for k, v in data.items()} if isinstance(data, dict) else None
    return request.POST.dict()


def _vonage(request, *, kind: str):
    endpoint = "sms" if kind == DeliveryKind.MESSAGE else "status"
    if request.method not in ("GET", "POST"):
        return error_response(405, "method_not_allowed", "Vonage webhooks are GET or POST.")
    params = _vonage_params(request)
    if params is None:
        return error_response(400, "malformed_request", "The body is not a JSON object.")
    signature = str(params.get("sig", ""))
    if not signature:
        return _refuse(request, provider="vonage", endpoint=endpoint, reason="missing_signature")
    route, refused = _checked(
        request,
        provider="vonage",
        endpoint=endpoint,
        params=params,
        signature=signature,
        key=routing.vonage_route_key(params, own_number_field="to"),
        find=lambda: routing.vonage_route(params, own_number_field="to"),
    )
    if refused:
        return refused
    message_id = str(params.get("messageId", ""))
    if not message_id:
        return _no_message_id()
    delivery_record(
        route=route,
        kind=kind,
        provider_message_id=message_id,
        provider_status=str(params.get("status", ""))[:24] if kind == DeliveryKind.STATUS else "",
        payload=params,
    )
    return HttpResponse(status=204)


@csrf_exempt
def twilio_sms(request):
    return _twilio(request, kind=DeliveryKind.MESSAGE)


@csrf_exempt
def twilio_status(request):
    return _twilio(request, kind=DeliveryKind.STATUS)


@csrf_exempt
def vonage_sms(request):
    return _vonage(request, kind=DeliveryKind.MESSAGE)


@csrf_exempt
def vonage_status(request):
    return _vonage(request, kind=DeliveryKind.STATUS)
