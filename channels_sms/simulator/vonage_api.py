"""Vonage's SMS API (`POST https://rest.nexmo.com/sms/json`, what `vonage.Sms.send`
calls) and the webhooks it sends: delivery receipts (DLR) and inbound texts.

Vonage answers HTTP 200 even for refused messages; the refusal is a non-zero
`status` in the body. Numbers travel without their `+`.
"""

import random
import secrets
import time
import urllib.parse

from channels_sms.segments import encoding, split_parts
from channels_sms.simulator.delivery import SignedWebhook
from channels_sms.simulator.phones import e164, is_alphanumeric_sender, vonage_form
from channels_sms.simulator.routing import Request, Response, json_response
from channels_sms.simulator.signing import vonage_sign, vonage_signature_valid
from channels_sms.simulator.state import Account, SmsRecord, utcnow

STATUS_TEXTS = {
    "1": "Throttled",
    "2": "Missing Parameters",
    "3": "Invalid Parameters",
    "4": "Bad Credentials",
    "5": "Internal Error",
    "6": "Invalid Message",
    "7": "Number Barred",
    "14": "Invalid Signature",
    "15": "Illegal Sender Address - rejected",
    "23": "Invalid Callback Url",
    "32": "Signature And API Secret Disallowed",
}
# What the DLR says when a destination rule makes a text fail: (status, err-code).
DLR_FAILURES = {"undelivered": ("failed", "2"), "failed": ("rejected", "99")}
NETWORK_CODE = "23410"
PRICE = "0.03330000"


def _refusal(status: str, text: str | None = None, http_status: int = 200) -> Response:
    message = {"status": status, "error-text": text or STATUS_TEXTS.get(status, "Error")}
    return json_response(http_status, {"message-count": "1", "messages": [message]})


def _message_id() -> str:
    return secrets.token_hex(8).upper()


def _authenticate(sim, request: Request, params: dict) -> Account | Response:
    """Basic auth, api_key + api_secret, or api_key + a `sig` over the parameters."""
    basic = request.basic_auth()
    api_key = basic[0] if basic else params.get("api_key", "")
    if not api_key:
        return _refusal("2", "Missing api_key")
    account = sim.state.account("vonage", api_key)
    if "sig" in params:
        if "api_secret" in params:
            return _refusal("32")
        signed_ok = account is not None and account.signature_secret
        if not signed_ok or not vonage_signature_valid(
            params, account.signature_secret, account.signature_method
        ):
            return _refusal("14")
        return account
    secret = basic[1] if basic else params.get("api_secret", "")
    if account is None or not secrets.compare_digest(secret, account.secret):
        return _refusal("4")
    return account


def send_sms(sim, request: Request) -> Response:
    params = {name: values[0] for name, values in request.form().items() if values}
    fault = sim.state.take_fault("vonage")
    if fault is not None:
        time.sleep(fault.delay)
        if fault.status == 200:
            return _refusal(str(fault.code or 5))
        return _refusal("1" if fault.status == 429 else "5", http_status=fault.status)
    account = _authenticate(sim, request, params)
    if isinstance(account, Response):
        return account
    for name in ("from", "to", "text"):
        if not params.get(name):
            return _refusal("2", f"Missing {name} param")
    to = e164(params["to"])
    if to is None:
        return _refusal("3", "Invalid to param")
    sender = _sender(account, params["from"])
    if sender is None:
        return _refusal("15")
    callback = params.get("callback") or account.status_callback_url
    if callback and urllib.parse.urlsplit(callback).scheme not in ("http", "https"):
        return _refusal("23")
    if sim.state.opted_out(phone=to, shop=sender):
        return _refusal("7")
    rule = sim.state.destination(to)
    if rule.outcome == "rejected":
        return _refusal(rule.vonage_err_code or "6")
    part_ids = [_message_id() for _ in split_parts(params["text"])]
    record = sim.state.add_message(
        SmsRecord(
            seq=sim.state.next_seq(),
            sid=part_ids[0],
            provider="vonage",
            account_sid=account.sid,
            direction="outbound",
            from_=sender,
            to=to,
            body=params["text"],
            num_segments=len(part_ids),
            status="accepted",
            status_callback=callback,
            client_ref=params.get("client-ref", ""),
            part_ids=part_ids,
        )
    )
    wants_receipt = params.get("status-report-req", "true").lower() not in ("false", "0")
    if callback and wants_receipt:
        sim.scheduler.call_later(
            sim.state.status_delay, _receipt_step, sim, account, record.sid, list(record.part_ids)
        )
    return json_response(200, _accepted(record))


def _sender(account: Account, value: str) -> str | None:
    if is_alphanumeric_sender(value):
        return value
    number = e164(value)
    if number is None:
        return None
    return number if account.owns(number) or not account.numbers else None


def _accepted(record: SmsRecord) -> dict:
    messages = []
    for part_id in record.part_ids:
        message = {
            "to": vonage_form(record.to),
            "message-id": part_id,
            "status": "0",
            "remaining-balance": "10.00000000",
            "message-price": PRICE,
            "network": NETWORK_CODE,
        }
        if record.client_ref:
            message["client-ref"] = record.client_ref
        messages.append(message)
    return {"message-count": str(len(messages)), "messages": messages}


def _receipt_step(sim, account: Account, sid: str, part_ids: list[str]):
    """One DLR per part, like the carrier's; the record takes the last one's status."""
    record = sim.state.message(sid)
    if record is None:
        return
    rule = sim.state.destination(record.to)
    status, err_code = DLR_FAILURES.get(rule.outcome, ("delivered", "0"))
    status, err_code = rule.vonage_status or status, rule.vonage_err_code or err_code
    sim.state.update_message(sid, status=status, error_code=int(err_code) or None)
    webhook = receipt_webhook(account, record, part_ids[0], status=status, err_code=err_code)
    sim.deliver(kind="dlr", provider="vonage", message_sid=part_ids[0], webhook=webhook)
    if part_ids[1:]:
        sim.scheduler.call_later(
            sim.state.status_delay, _receipt_step, sim, account, sid, part_ids[1:]
        )


def receipt_webhook(account, record, part_id, *, status, err_code) -> SignedWebhook:
    now = utcnow()
    params = {
        "msisdn": vonage_form(record.to),
        "to": vonage_form(record.from_),
        "network-code": NETWORK_CODE,
        "messageId": part_id,
        "price": PRICE,
        "status": status,
        "scts": now.strftime("%y%m%d%H%M"),
        "err-code": err_code,
        "api-key": account.sid,
        "message-timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if record.client_ref:
        params["client-ref"] = record.client_ref
    return _signed(account, record.status_callback, params)


def inbound_webhooks(account: Account, *, from_: str, to: str, body: str, order=None):
    """The requests Vonage makes for one inbound text: one, or one per part of a
    long text (with concat-ref/-total/-part), in `order` (1-based part numbers)
    when given. Returns (message ids in part order, webhooks in sending order)."""
    parts = split_parts(body)
    message_ids = [_message_id() for _ in parts]
    concat_ref = str(random.randint(1, 255))  # noqa: S311 - a reference, not a secret
    now = utcnow()
    webhooks = []
    for number in _part_order(order, len(parts)):
        text = parts[number - 1]
        params = {
            "msisdn": vonage_form(from_),
            "to": vonage_form(to),
            "messageId": message_ids[number - 1],
            "text": text,
            "type": "unicode" if encoding(body) == "ucs2" else "text",
            "keyword": text.split()[0].upper() if text.split() else "",
            "api-key": account.sid,
            "message-timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
        }
        if len(parts) > 1:
            params |= {
                "concat": "true",
                "concat-ref": concat_ref,
                "concat-total": str(len(parts)),
                "concat-part": str(number),
            }
        webhooks.append(_signed(account, account.inbound_webhook_url, params))
    return message_ids, webhooks


def _part_order(order, total: int) -> list[int]:
    if order in (None, "", "natural"):
        return list(range(1, total + 1))
    if order == "reverse":
        return list(range(total, 0, -1))
    if sorted(order) != list(range(1, total + 1)):
        raise ValueError(f"order must list each part number 1..{total} once")
    return [int(number) for number in order]


def _signed(account: Account, url: str, params: dict) -> SignedWebhook:
    if account.signature_secret:
        params = vonage_sign(params, account.signature_secret, account.signature_method)
    return SignedWebhook(url=url, method=account.webhook_method, params=params)


def inject_inbound(sim, account: Account, *, from_, to, body, order=None):
    message_ids, webhooks = inbound_webhooks(account, from_=from_, to=to, body=body, order=order)
    record = sim.state.add_message(
        SmsRecord(
            seq=sim.state.next_seq(),
            sid=message_ids[0],
            provider="vonage",
            account_sid=account.sid,
            direction="inbound",
            from_=from_,
            to=to,
            body=body,
            num_segments=len(message_ids),
            status="received",
            part_ids=message_ids,
        )
    )
    sim.state.note_keyword(phone=from_, shop=to, body=body)
    deliveries = [
        sim.deliver(
            kind="inbound", provider="vonage", message_sid=hook.params["messageId"], webhook=hook
        )
        for hook in webhooks
    ]
    return record, deliveries
