"""The JSON control API under /_sim/: what tests and the demo phone page use to
set the simulator up, make a phone text a shop, and see what happened.

Each operation is a plain function over a `Simulator` so the in-process Python
API (`SimulatorServer`) and the HTTP routes behave identically.
"""

import base64
import binascii
import time
from datetime import UTC, datetime

from channels_sms.simulator import twilio_api, vonage_api
from channels_sms.simulator.core import Simulator, SimulatorError
from channels_sms.simulator.phones import e164
from channels_sms.simulator.routing import Request, Response, first, json_response
from channels_sms.simulator.state import PROVIDERS, Destination, Fault

OUTCOMES = ("delivered", "undelivered", "failed", "rejected")
MAX_WAIT = 30.0


def _phone(value, name: str) -> str:
    number = e164(value)
    if number is None:
        raise SimulatorError(f"{name}: not a phone number: {value!r}")
    return number


def inject_inbound(sim: Simulator, payload: dict) -> dict:
    """A phone texts a shop number. Returns the recorded message and what our
    webhook answered to each request (one, or one per part of a long Vonage text)."""
    provider = payload.get("provider", "twilio")
    if provider not in PROVIDERS:
        raise SimulatorError(f"provider must be one of {', '.join(PROVIDERS)}")
    from_ = _phone(payload.get("from"), "from")
    to = _phone(payload.get("to"), "to")
    body, media = payload.get("body", ""), payload.get("media") or []
    sid = payload.get("account_sid") or payload.get("api_key")
    account = sim.account_for(provider, sid=sid, number=to)
    if (account.numbers or account.messaging_services) and not account.owns(to):
        raise SimulatorError(f"{provider} account {account.sid} does not own {to}", status=404)
    if not account.inbound_webhook_url:
        raise SimulatorError(f"{provider} account {account.sid} has no inbound_webhook_url")
    if provider == "twilio":
        if not body and not media:
            raise SimulatorError("a text needs a body or media")
        record, deliveries = twilio_api.inject_inbound(
            sim,
            account,
            from_=from_,
            to=to,
            body=body,
            media=[_media_item(item) for item in media],
            messaging_service_sid=payload.get("messaging_service_sid"),
        )
    else:
        if media or not body:
            raise SimulatorError("the Vonage SMS API carries text only: give a body, no media")
        try:
            record, deliveries = vonage_api.inject_inbound(
                sim, account, from_=from_, to=to, body=body, order=payload.get("order")
            )
        except ValueError as error:
            raise SimulatorError(str(error)) from None
    last = deliveries[-1]
    return {
        "message": record.as_json(),
        "deliveries": [delivery.as_json() for delivery in deliveries],
        "status": last.status,
        "body": last.body,
        "error": last.error,
    }


def _media_item(item) -> dict:
    """A media item of an MMS: a URL of your own ({url, content_type}), or a file
    the simulator serves itself ({content_type, data_base64}, or ``data`` as bytes
    in-process) at its Twilio media URL, behind the account's Basic credentials."""
    if not isinstance(item, dict):
        raise SimulatorError("media items are {url, content_type} or {content_type, data_base64}")
    content_type = str(item.get("content_type", ""))
    if item.get("url"):
        return {"url": str(item["url"]), "content_type": content_type}
    data = item.get("data")
    if data is None and item.get("data_base64") is not None:
        try:
            data = base64.b64decode(item["data_base64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise SimulatorError("data_base64 is not base64") from None
    if not isinstance(data, bytes) or not data:
        raise SimulatorError("media items are {url, content_type} or {content_type, data_base64}")
    return {"content_type": content_type, "data": data}


def add_fault(sim: Simulator, payload: dict) -> Fault:
    try:
        count, status = int(payload.get("count", 1)), int(payload.get("status", 500))
        code = int(payload["code"]) if payload.get("code") is not None else None
        seconds = float(payload["seconds"]) if payload.get("seconds") is not None else None
        delay = float(payload.get("delay") or 0)
    except (TypeError, ValueError):
        raise SimulatorError(
            "count, status and code are integers; seconds, delay numbers"
        ) from None
    if (seconds is not None and seconds <= 0) or delay < 0:
        raise SimulatorError("seconds > 0 (a window) and delay >= 0")
    provider = payload.get("provider")
    if count < 1 or not (status in (200, 201) or 400 <= status <= 599):
        raise SimulatorError(
            "count >= 1; status 200 (Vonage refusal in the body), 201 (Twilio accepting "
            "after the delay) or 4xx/5xx"
        )
    if status == 201 and provider != "twilio":
        raise SimulatorError("status 201 is a slow Twilio accepting: give provider twilio")
    if provider not in (None, *PROVIDERS):
        raise SimulatorError(f"provider must be one of {', '.join(PROVIDERS)}")
    if status == 200 and provider != "vonage":
        raise SimulatorError("status 200 is a Vonage refusal: give provider vonage and a code")
    fault = Fault(
        remaining=count,
        status=status,
        code=code,
        provider=provider,
        seconds=seconds,
        delay=delay,
        until=time.monotonic() + seconds if seconds is not None else None,
    )
    sim.state.add_fault(fault)
    return fault


def set_destination(sim: Simulator, number: str, payload: dict) -> Destination:
    outcome = payload.get("outcome", "delivered")
    if outcome not in OUTCOMES:
        raise SimulatorError(f"outcome must be one of {', '.join(OUTCOMES)}")
    err_code = payload.get("vonage_err_code")
    if err_code is not None and not str(err_code).isdigit():
        raise SimulatorError("vonage_err_code is a number, e.g. 2")
    try:
        error_code = int(payload["error_code"]) if payload.get("error_code") else None
    except (TypeError, ValueError):
        raise SimulatorError("error_code is an integer, e.g. 30003") from None
    rule = Destination(
        outcome=outcome,
        error_code=error_code,
        vonage_status=payload.get("vonage_status"),
        vonage_err_code=str(err_code) if err_code is not None else None,
    )
    sim.state.set_destination(_phone(number, "number"), rule)
    return rule


def set_status_delay(sim: Simulator, milliseconds) -> None:
    try:
        delay = float(milliseconds) / 1000
    except (TypeError, ValueError):
        raise SimulatorError("status_delay_ms is a number") from None
    if delay < 0:
        raise SimulatorError("status_delay_ms >= 0")
    sim.state.status_delay = delay


def _payload(request: Request) -> dict:
    try:
        payload = request.json()
    except ValueError:
        raise SimulatorError("the body must be a JSON object") from None
    if not isinstance(payload, dict):
        raise SimulatorError("the body must be a JSON object")
    return payload


def _integer(request: Request, name: str, default):
    value = first(request.query, name)
    if value in (None, ""):
        return default
    try:
        return float(value) if name == "wait" else int(value)
    except ValueError:
        raise SimulatorError(f"{name} must be a number") from None


def _wait(sim: Simulator, request: Request, fetch):
    """Runs `fetch()`; with `?wait=seconds`, first waits until it returns at least
    `?count=` items (default 1): a long-poll for the demo page and other processes."""
    wait = min(MAX_WAIT, _integer(request, "wait", 0))
    count = _integer(request, "count", 1)
    if wait > 0:
        sim.state.wait_for(lambda: len(fetch()) >= count, timeout=wait)
    return fetch()


def _since(request: Request) -> int | datetime | None:
    """A seq (`last_seq` of a previous answer) or an ISO 8601 time."""
    value = first(request.query, "since")
    if value in (None, ""):
        return None
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        raise SimulatorError("since is a seq or an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _seq(request: Request) -> int:
    since = _since(request)
    return since if isinstance(since, int) else 0


def _number_filter(request: Request, name: str) -> str | None:
    value = first(request.query, name)
    if not value:
        return None
    # A `+` left unescaped in a query string arrives as a space; e164 copes with both.
    return e164(value.strip()) or value


def routes(router, sim: Simulator):
    def overview(request):
        state = sim.state
        return json_response(
            200,
            {
                "simulator": "instaply-sms",
                "accounts": len(state.accounts()),
                "messages": len(state.messages()),
                "status_delay_ms": state.status_delay * 1000,
            },
        )

    def accounts_create(request):
        return json_response(201, sim.add_account(**_payload(request)).as_json())

    def accounts_list(request):
        return json_response(200, {"accounts": [a.as_json() for a in sim.state.accounts()]})

    def messages_list(request):
        def fetch():
            return sim.state.messages(
                provider=first(request.query, "provider"),
                direction=first(request.query, "direction"),
                to=_number_filter(request, "to"),
                from_=_number_filter(request, "from"),
                phone=_number_filter(request, "phone"),
                since=_since(request),
            )

        found = _wait(sim, request, fetch)
        last_seq = found[-1].seq if found else _seq(request)
        return json_response(200, {"messages": [r.as_json() for r in found], "last_seq": last_seq})

    def message_detail(request, sid):
        record = sim.state.message(sid)
        if record is None:
            raise SimulatorError(f"no message {sid}", status=404)
        return json_response(200, record.as_json())

    def deliveries_list(request):
        def fetch():
            return sim.state.deliveries(
                kind=first(request.query, "kind"),
                provider=first(request.query, "provider"),
                message_sid=first(request.query, "message_sid"),
                since=_since(request),
            )

        found = _wait(sim, request, fetch)
        return json_response(200, {"deliveries": [d.as_json() for d in found]})

    def faults_create(request):
        fault = add_fault(sim, _payload(request))
        return json_response(201, fault.__dict__)

    def faults_list(request):
        return json_response(200, {"faults": [f.__dict__ for f in sim.state.faults()]})

    def faults_clear(request):
        sim.state.clear_faults()
        return Response(204)

    def destination_set(request, number):
        return json_response(200, set_destination(sim, number, _payload(request)).as_json())

    def destination_clear(request, number):
        sim.state.set_destination(_phone(number, "number"), None)
        return Response(204)

    def destinations_list(request):
        rules = {number: rule.as_json() for number, rule in sim.state.destinations().items()}
        return json_response(200, {"destinations": rules})

    def inbound(request):
        return json_response(200, inject_inbound(sim, _payload(request)))

    def phones_list(request):
        latest = {}
        for record in sim.state.messages():
            latest[record.phone] = record.as_json()
        return json_response(200, {"phones": [{"phone": p, "last": m} for p, m in latest.items()]})

    def phone_messages(request, number):
        phone = _phone(number, "number")

        def fetch():
            return sim.state.messages(
                phone=phone, shop=_number_filter(request, "shop"), since=_since(request)
            )

        found = _wait(sim, request, fetch)
        conversation = [
            record.as_json()
            | {
                "shop_number": record.shop,
                "direction": "to_phone" if record.direction == "outbound" else "from_phone",
            }
            for record in found
        ]
        return json_response(
            200,
            {
                "phone": phone,
                "messages": conversation,
                "opted_out_of": sim.state.opt_outs_of(phone),
                "last_seq": found[-1].seq if found else _seq(request),
            },
        )

    def reset(request):
        sim.state.reset(accounts=bool(_payload(request).get("accounts", False)))
        return Response(204)

    def settings_show(request):
        return json_response(200, {"status_delay_ms": sim.state.status_delay * 1000})

    def settings_update(request):
        payload = _payload(request)
        if "status_delay_ms" in payload:
            set_status_delay(sim, payload["status_delay_ms"])
        return settings_show(request)

    router.add("GET", "/_sim", overview)
    router.add("GET", "/_sim/", overview)
    router.add("POST", "/_sim/accounts", accounts_create)
    router.add("GET", "/_sim/accounts", accounts_list)
    router.add("GET", "/_sim/messages", messages_list)
    router.add("GET", "/_sim/messages/{sid}", message_detail)
    router.add("GET", "/_sim/deliveries", deliveries_list)
    router.add("POST", "/_sim/faults", faults_create)
    router.add("GET", "/_sim/faults", faults_list)
    router.add("DELETE", "/_sim/faults", faults_clear)
    router.add("GET", "/_sim/destinations", destinations_list)
    router.add("PUT", "/_sim/destinations/{number}", destination_set)
    router.add("DELETE", "/_sim/destinations/{number}", destination_clear)
    router.add("POST", "/_sim/inbound", inbound)
    router.add("GET", "/_sim/phones", phones_list)
    router.add("GET", "/_sim/phones/{number}/messages", phone_messages)
    router.add("POST", "/_sim/reset", reset)
    router.add("GET", "/_sim/settings", settings_show)
    router.add("PATCH", "/_sim/settings", settings_update)
