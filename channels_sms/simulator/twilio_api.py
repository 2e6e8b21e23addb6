"""The part of Twilio's 2010-04-01 REST API that `client.messages` uses, and the
webhooks Twilio sends back (status callbacks, inbound messages)."""

import secrets
import time
import urllib.parse
from email.utils import format_datetime

from channels_sms.segments import segment_count
from channels_sms.simulator.delivery import SignedWebhook
from channels_sms.simulator.phones import country, e164, is_alphanumeric_sender
from channels_sms.simulator.routing import Request, Response, first, json_response
from channels_sms.simulator.signing import TWILIO_SIGNATURE_HEADER, twilio_signature
from channels_sms.simulator.state import Account, SmsRecord, utcnow

API_VERSION = "2010-04-01"
BODY_LIMIT = 1600
PAGE_SIZE = 50

ERROR_MESSAGES = {
    20001: "Invalid paging parameter",
    20003: "Authenticate",
    20404: "The requested resource {path} was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21212: "Invalid 'From' Phone Number",
    21266: "'To' and 'From' number cannot be the same",
    21602: "Message body is required.",
    21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided is not a valid message-capable Twilio phone number "
    "for this destination/account.",
    21609: "Invalid StatusCallback URL",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    30003: "Unreachable destination handset",
    30008: "Unknown error",
}
HTTP_ERROR_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
DEFAULT_ERROR_CODES = {"undelivered": 30003, "failed": 30008, "rejected": 21614}


def error_response(status: int, code: int | None = None, **details) -> Response:
    """Twilio's error body; the SDK turns it into `TwilioRestException(code=...)`."""
    code = code or HTTP_ERROR_CODES.get(status, 20500)
    body = {
        "code": code,
        "message": ERROR_MESSAGES.get(code, f"Error {code}").format(**details),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if status == 401 else {}
    return json_response(status, body, headers)


def _authenticate(sim, request: Request, account_sid: str) -> Account | None:
    """The account when the Basic credentials are its sid and auth token, or one of
    its API keys; the path must name that same account."""
    credentials = request.basic_auth()
    account = sim.state.account("twilio", account_sid)
    if credentials is None or account is None:
        return None
    user, password = credentials
    if user == account.sid:
        expected = account.secret
    elif user in account.api_keys:
        expected = account.api_keys[user]
    else:
        return None
    return account if secrets.compare_digest(password, expected) else None


def _resource_uri(account_sid: str, sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"


def message_resource(record: SmsRecord) -> dict:
    uri = _resource_uri(record.account_sid, record.sid)
    return {
        "account_sid": record.account_sid,
        "api_version": API_VERSION,
        "body": record.body,
        "date_created": format_datetime(record.created_at),
        "date_sent": format_datetime(record.sent_at) if record.sent_at else None,
        "date_updated": format_datetime(record.updated_at),
        "direction": "outbound-api" if record.direction == "outbound" else "inbound",
        "error_code": record.error_code,
        "error_message": ERROR_MESSAGES.get(record.error_code) if record.error_code else None,
        # Through a Messaging Service the sender is chosen after acceptance.
        "from": None if record.status == "accepted" else record.from_,
        "messaging_service_sid": record.messaging_service_sid,
        "num_media": str(len(record.media)),
        "num_segments": str(record.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": record.sid,
        "status": record.status,
        "subresource_uris": {
            "media": uri.removesuffix(".json") + "/Media.json",
            "feedback": uri.removesuffix(".json") + "/Feedback.json",
        },
        "to": record.to,
        "uri": uri,
    }


def create_message(sim, request: Request, account_sid: str) -> Response:
    account = _authenticate(sim, request, account_sid)
    if account is None:
        return error_response(401)
    fault = sim.state.take_fault("twilio")
    if fault is not None:
        time.sleep(fault.delay)
        if fault.status != 201:  # 201: a slow provider, which then accepts the text
            return error_response(fault.status, fault.code)
    form = request.form()
    to_raw, from_raw = first(form, "To", ""), first(form, "From", "")
    body, media_urls = first(form, "Body", ""), form.get("MediaUrl", [])
    service = first(form, "MessagingServiceSid") or None
    callback = first(form, "StatusCallback", "") or account.status_callback_url
    if not to_raw:
        return error_response(400, 21604)
    to = e164(to_raw)
    if to is None:
        return error_response(400, 21211)
    if not from_raw and not service:
        return error_response(400, 21603)
    sender = _sender(account, from_raw, service)
    if sender is None:
        return error_response(400, 21212 if from_raw and not e164(from_raw) else 21606)
    if sender == to:
        return error_response(400, 21266)
    if not body and not media_urls:
        return error_response(400, 21602)
    if len(body) > BODY_LIMIT:
        return error_response(400, 21617)
    if callback and urllib.parse.urlsplit(callback).scheme not in ("http", "https"):
        return error_response(400, 21609)
    if sim.state.opted_out(phone=to, shop=sender):
        return error_response(400, 21610)
    rule = sim.state.destination(to)
    if rule.outcome == "rejected":
        return error_response(400, rule.error_code or DEFAULT_ERROR_CODES["rejected"])
    record = sim.state.add_message(
        SmsRecord(
            seq=sim.state.next_seq(),
            sid=("MM" if media_urls else "SM") + secrets.token_hex(16),
            provider="twilio",
            account_sid=account.sid,
            direction="outbound",
            from_=sender,
            to=to,
            body=body,
            media=[{"url": url, "content_type": ""} for url in media_urls],
            num_segments=segment_count(body),
            status="accepted" if service else "queued",
            messaging_service_sid=service,
            status_callback=callback,
        )
    )
    _schedule_statuses(sim, account, record.sid, _timeline(rule, service))
    return json_response(201, message_resource(record))


def _sender(account: Account, from_raw: str, service: str | None) -> str | None:
    """The number (or alphanumeric ID) the text leaves from, or None when the
    account may not send from it. Accounts registered without numbers may send
    from any valid number."""
    if from_raw:
        if is_alphanumeric_sender(from_raw):
            return from_raw
        number = e164(from_raw)
        if number is None:
            return None
        has_numbers = account.numbers or account.messaging_services
        return number if account.owns(number) or not has_numbers else None
    pool = account.messaging_services.get(service) or account.numbers
    return pool[0] if pool else service


def _timeline(rule, service: str | None) -> list[tuple[str, int | None]]:
    """The statuses Twilio reports, in order. No callback for the initial status;
    a message through a Messaging Service goes accepted, then queued."""
    steps = [("queued", None)] if service else []
    code = rule.error_code or DEFAULT_ERROR_CODES.get(rule.outcome)
    if rule.outcome == "failed":
        return steps + [("failed", code)]
    if rule.outcome == "undelivered":
        return steps + [("sent", None), ("undelivered", code)]
    return steps + [("sent", None), ("delivered", None)]


def _schedule_statuses(sim, account: Account, sid: str, steps: list):
    if steps:
        sim.scheduler.call_later(sim.state.status_delay, _status_step, sim, account, sid, steps)


def _status_step(sim, account: Account, sid: str, steps: list):
    status, error_code = steps[0]
    changes = {"status": status, "error_code": error_code}
    if status == "sent":
        changes["sent_at"] = utcnow()
    record = sim.state.update_message(sid, **changes)
    if record is None:
        return
    if record.status_callback:
        webhook = status_webhook(account, record)
        sim.deliver(kind="status", provider="twilio", message_sid=sid, webhook=webhook)
    _schedule_statuses(sim, account, sid, steps[1:])


def status_webhook(account: Account, record: SmsRecord) -> SignedWebhook:
    params = {
        "AccountSid": account.sid,
        "ApiVersion": API_VERSION,
        "From": record.from_,
        "MessageSid": record.sid,
        "MessageStatus": record.status,
        "SmsSid": record.sid,
        "SmsStatus": record.status,
        "To": record.to,
    }
    if record.messaging_service_sid:
        params["MessagingServiceSid"] = record.messaging_service_sid
    if record.error_code:
        params["ErrorCode"] = str(record.error_code)
    return _signed(account, record.status_callback, "POST", params)


def inbound_webhook(
    account: Account,
    *,
    sid: str,
    from_: str,
    to: str,
    body: str,
    media: list[dict] = (),
    messaging_service_sid: str | None = None,
) -> SignedWebhook:
    """The request Twilio makes to the number's messaging webhook for one text."""
    params = {
        "ToCountry": country(to),
        "ToState": "",
        "ToCity": "",
        "ToZip": "",
        "FromCountry": country(from_),
        "FromState": "",
        "FromCity": "",
        "FromZip": "",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "MessageSid": sid,
        "SmsStatus": "received",
        "AccountSid": account.sid,
        "ApiVersion": API_VERSION,
        "From": from_,
        "To": to,
        "Body": body,
        "NumMedia": str(len(media)),
        "NumSegments": str(segment_count(body)),
    }
    if messaging_service_sid:
        params["MessagingServiceSid"] = messaging_service_sid
    for index, item in enumerate(media):
        params[f"MediaUrl{index}"] = item["url"]
        params[f"MediaContentType{index}"] = item.get("content_type", "")
    return _signed(account, account.inbound_webhook_url, account.webhook_method, params)


def _signed(account: Account, url: str, method: str, params: dict) -> SignedWebhook:
    """Signs as Twilio does: a POST over the URL plus its form parameters, a GET
    over the full URL with the parameters in its query string."""
    headers = {"I-Twilio-Idempotency-Token": secrets.token_hex(16)}
    if method == "GET":
        query = urllib.parse.urlencode(params)
        url = url + ("&" if urllib.parse.urlsplit(url).query else "?") + query
        params = {}
    headers[TWILIO_SIGNATURE_HEADER] = twilio_signature(account.secret, url, params)
    return SignedWebhook(url=url, method=method, params=params, headers=headers)


def _hosted(sim, account: Account, message_sid: str, item: dict) -> dict:
    """A media item the simulator serves itself: kept, and named by its URL here."""
    if "data" not in item:
        return item
    media_sid = "ME" + secrets.token_hex(16)
    sim.media[media_sid] = (account.sid, message_sid, item["content_type"], item["data"])
    path = f"/{API_VERSION}/Accounts/{account.sid}/Messages/{message_sid}/Media/{media_sid}"
    url = sim.base_url + path
    return {"url": url, "content_type": item["content_type"]}


def fetch_media(sim, request: Request, account_sid: str, message_sid: str, media_sid: str):
    """A media item of an inbound MMS, to the account's Basic credentials only
    (Twilio's media URLs with HTTP authentication for media on)."""
    account = _authenticate(sim, request, account_sid)
    if account is None:
        return error_response(401)
    found = sim.media.get(media_sid)
    if found is None or found[:2] != (account_sid, message_sid):
        return error_response(404, path=request.path)
    return Response(200, found[3], found[2] or "application/octet-stream")


def inject_inbound(sim, account: Account, *, from_, to, body, media, messaging_service_sid):
    """A phone texts one of the account's numbers: record it, honour STOP/START,
    call the webhook and return (record, delivery)."""
    service = messaging_service_sid or account.service_of(to)
    sid = ("MM" if media else "SM") + secrets.token_hex(16)
    media = [_hosted(sim, account, sid, item) for item in media]
    record = sim.state.add_message(
        SmsRecord(
            seq=sim.state.next_seq(),
            sid=sid,
            provider="twilio",
            account_sid=account.sid,
            direction="inbound",
            from_=from_,
            to=to,
            body=body,
            media=list(media),
            num_segments=segment_count(body),
            status="received",
            messaging_service_sid=service,
        )
    )
    sim.state.note_keyword(phone=from_, shop=to, body=body)
    webhook = inbound_webhook(
        account,
        sid=record.sid,
        from_=from_,
        to=to,
        body=body,
        media=media,
        messaging_service_sid=service,
    )
    delivery = sim.deliver(
        kind="inbound", provider="twilio", message_sid=record.sid, webhook=webhook
    )
    return record, [delivery]


def fetch_message(sim, request: Request, account_sid: str, message_sid: str) -> Response:
    if _authenticate(sim, request, account_sid) is None:
        return error_response(401)
    record = sim.state.message(message_sid)
    if record is None or record.account_sid != account_sid or record.provider != "twilio":
        return error_response(404, 20404, path=request.path)
    return json_response(200, message_resource(record))


def list_messages(sim, request: Request, account_sid: str) -> Response:
    """Newest first, filtered by To/From, paged with Page/PageSize like Twilio."""
    if _authenticate(sim, request, account_sid) is None:
        return error_response(401)
    to, from_ = e164(first(request.query, "To")), first(request.query, "From")
    records = [
        record
        for record in reversed(sim.state.messages(provider="twilio", account_sid=account_sid))
        if (not first(request.query, "To") or record.to == to)
        and (not from_ or record.from_ in (from_, e164(from_)))
    ]
    try:
        page = max(0, int(first(request.query, "Page", 0)))
        size = min(1000, max(1, int(first(request.query, "PageSize", PAGE_SIZE))))
    except ValueError:
        return error_response(400, 20001)
    chunk = records[page * size : (page + 1) * size]
    base = f"/{API_VERSION}/Accounts/{account_sid}/Messages.json"

    def page_uri(number: int) -> str:
        filters = {k: first(request.query, k) for k in ("To", "From") if first(request.query, k)}
        return base + "?" + urllib.parse.urlencode({**filters, "PageSize": size, "Page": number})

    more = (page + 1) * size < len(records)
    return json_response(
        200,
        {
            "messages": [message_resource(record) for record in chunk],
            "end": page * size + max(len(chunk) - 1, 0),
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1) if more else None,
            "previous_page_uri": page_uri(page - 1) if page else None,
            "page": page,
            "page_size": size,
            "start": page * size,
            "uri": page_uri(page),
        },
    )


def not_found(sim, request: Request, **_) -> Response:
    return error_response(404, 20404, path=request.path)
