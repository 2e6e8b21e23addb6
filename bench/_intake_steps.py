"""Where the native intake's CPU goes, step by step, in the process of
bench/_webhook_steps.py (the tier's environment: production settings, the
application role under row-level security, Redis, SMS_WEBHOOK_INTAKE on).

The tier's ASGI application (``_webhook_asgi.application``: instaply.asgi's,
the native bare route in front) is driven on an event loop of the kind the
tier's workers run (uvloop when installed, as uvicorn picks it), one request
at a time, with the ASGI scope, ``receive`` and ``send`` a server would pass:
what the server itself does (HTTP parsing, the socket) is not in these figures,
and is the tier's CPU per request minus the whole measured here. Every request
must be answered by the intake itself (``WebhookIntake.served`` counts them);
one passed on to Django stops the run, since it would not measure the intake.

* ``whole``: CPU per request (µs, thread time) of the webhook through the
  intake and of the bare POST answered on the event loop, uninstrumented, the
  two alternating in blocks; and the webhook's with 16 requests in flight, as
  a loaded worker has them (the loop then wakes once for several answers
  instead of sleeping between each request's round trips);
* ``steps``: the intake's CPU split by named step (exclusive, as
  bench/_webhook_steps.py's ``Steps`` counts them, async steps included: their
  time runs from the call to the end of the last await, the event loop's work
  for their I/O with it, one request being in flight); the whole minus their
  sum is printed as not in any named step.
"""

import asyncio
import time

_INHERITED = object()  # an attribute the owner took from its class


def event_loop():
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def wrap_async(steps, name, function):
    """``Steps.wrap`` for a coroutine function: the step's time spans its awaits."""

    async def timed(*args, **kwargs):
        stack = steps._stack
        if stack:
            caller = stack[-1][0]
            steps.inner_calls[caller] = steps.inner_calls.get(caller, 0) + 1
        stack.append([name, time.thread_time(), 0.0])
        try:
            return await function(*args, **kwargs)
        finally:
            step, started, inner = stack.pop()
            spent = time.thread_time() - started
            steps.own[step] = steps.own.get(step, 0.0) + spent - inner
            if stack:
                stack[-1][2] += spent

    return timed


def asgi_request(path: str, line: str) -> tuple[dict, bytes]:
    """The scope and body a server hands the application for one signed line."""
    signature, token, body = line.rstrip("\n").split("\t", 2)
    data = body.encode()
    headers = [
        (b"host", b"127.0.0.1"),
        (b"x-forwarded-proto", b"https"),
        (b"x-twilio-signature", signature.encode()),
        (b"i-twilio-idempotency-token", token.encode()),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(data)).encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    return scope, data


async def call(application, path: str, line: str) -> None:
    scope, data = asgi_request(path, line)
    statuses = []

    async def receive():
        return {"type": "http.request", "body": data, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await application(scope, receive, send)
    if statuses != [200]:
        raise SystemExit(f"{path} answered {statuses}")


def instrument(steps, intake_app) -> list:
    """Names every step of the intake (channels_sms/webhooks/intake.py); returns
    what to put back (owner, attribute, original) once measured."""
    from channels_sms.services import deliveries, routing
    from channels_sms.webhooks import intake, intake_batches, views
    from privacy import keyring

    sync = {
        (intake, "_headers"): "headers (the ones read, repeats refused)",
        (intake, "_host_allowed"): "host allowed (ALLOWED_HOSTS)",
        (intake, "_secure"): "HTTPS (the proxy's header)",
        (intake, "QueryDict"): "parse the form (QueryDict)",
        (routing, "twilio_route_key"): "route: its key (the number called)",
        (routing.book, "kept"): "route: the process's route book",
        (keyring, "cached_cipher"): "tenant key in the cache",
        (views, "route_signature_valid"): "signature (HMAC-SHA1)",
        (intake, "request_id_from"): "request id",
        (routing.book, "confirm"): "route: version confirmed",
        (deliveries, "delivery_row"): "delivery row (model instance)",
        (deliveries, "insert_values"): "INSERT values",
        (intake_batches, "batch_statement"): "store: the batch's query text",
        (type(intake_app), "_headers"): "answer headers (computed once)",
    }
    payload = type(deliveries.WebhookDelivery._meta.get_field("payload"))
    sync[payload, "get_db_prep_save"] = "store: encrypt the payload (tenant key)"
    undo = []
    for (owner, attribute), name in sync.items():
        undo.append((owner, attribute, vars(owner).get(attribute, _INHERITED)))
        steps.patch(owner, attribute, name)
    awaited = {
        (intake, "_body"): "body (received)",
        (intake, "hit_async"): "rate limit (redis.asyncio, one round trip)",
        (type(intake_app), "_loop_batches"): "the loop's batches (and pool)",
        (intake_batches.InsertBatches, "_commit"): "store: a batch, committed",
        (type(intake_app), "_serve"): "intake (the rest of _serve)",
        (type(intake_app), "__call__"): "intake (dispatch, answer sent)",
    }
    for (owner, attribute), name in awaited.items():
        undo.append((owner, attribute, vars(owner).get(attribute, _INHERITED)))
        setattr(owner, attribute, wrap_async(steps, name, getattr(owner, attribute)))
    return undo


def measure(webhook: str, lines: list[str], rounds: int, steps_class) -> dict:
    """The figures above, as a dict; ``lines`` holds at least 3 * rounds + 100
    signed requests never sent."""
    import _webhook_asgi

    from instaply import asgi

    intake_app = asgi.application
    if type(intake_app).__name__ != "WebhookIntake":
        raise SystemExit("the tier's application has no native intake (SMS_WEBHOOK_INTAKE)")
    application = _webhook_asgi.application
    bare = _webhook_asgi.NATIVE_BARE
    loop = event_loop()
    run = loop.run_until_complete
    index = 0

    def next_lines(n):
        nonlocal index
        index += n
        return lines[index - n : index]

    async def serve(path, batch):
        for line in batch:
            await call(application, path, line)

    async def serve_together(path, batch, in_flight=16):
        # As the tier's worker sees a loaded run: requests overlap, the loop
        # wakes for several at once instead of sleeping between each round trip.
        pending = iter(batch)

        async def connection():
            for line in pending:
                await call(application, path, line)

        await asyncio.gather(*(connection() for _ in range(in_flight)))

    try:
        run(serve(webhook, next_lines(100)))  # warm: pools, Redis client, route book
        served = intake_app.served
        spent = {"webhook": 0.0, "bare": 0.0}
        done = {"webhook": 0, "bare": 0}
        block = 50
        for _ in range(max(1, rounds // block)):
            for name, path in (("webhook", webhook), ("bare", bare)):
                batch = next_lines(block) if name == "webhook" else lines[:block]
                began = time.thread_time()
                run(serve(path, batch))
                spent[name] += time.thread_time() - began
                done[name] += block
        whole = {name: spent[name] / done[name] * 1e6 for name in spent}
        batch = next_lines(rounds)
        began = time.thread_time()
        run(serve_together(webhook, batch))
        whole["webhook, 16 in flight"] = (time.thread_time() - began) / rounds * 1e6
        done["webhook"] += rounds
        steps = steps_class()
        undo = instrument(steps, intake_app)
        try:
            batch = next_lines(rounds)
            began = time.thread_time()
            run(serve(webhook, batch))
            instrumented = (time.thread_time() - began) / rounds * 1e6
        finally:
            for owner, attribute, original in undo:
                if original is _INHERITED:
                    delattr(owner, attribute)
                else:
                    setattr(owner, attribute, original)
        if intake_app.served - served != done["webhook"] + rounds:
            raise SystemExit("the native intake passed requests on: these would be the view's")
        steps.calibrate()
        own = {name: spent / rounds * 1e6 for name, spent in steps.corrected().items()}
        run(intake_app.close())
    finally:
        loop.close()
    return {"whole": whole, "steps": own, "instrumented": instrumented}
