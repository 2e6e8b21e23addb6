"""Where a webhook's CPU goes, step by step, in one process set up as the web tier.

Run by bench/webhook_bench.py with the tier's own environment (production
settings, the application role under row-level security, Redis), so the
requests go through the same Django, middleware and backend as the tier's; it
prints one JSON object:

* ``trips``: what one webhook sends PostgreSQL, read off the wire
  (instaply/db/postgresql/wire.py): statements (set_config included) and round trips;
* ``whole``: CPU per request (µs) of each path through Django's WSGI handler,
  uninstrumented, the paths alternating;
* ``steps``: the webhook's CPU split by step (µs, exclusive: a step's time
  excludes the steps inside it), measured in an instrumented run. What no step
  names, the whole minus their sum, is printed as "unaccounted".

    python bench/_webhook_steps.py REQUESTS_FILE ROUNDS
"""

import gc
import io
import json
import sys
import time
from pathlib import Path

import _intake_steps
import django

ROOT = Path(__file__).resolve().parents[1]


class Steps:
    """Exclusive CPU time (thread time) per named step, over nested calls.

    Reading the thread's CPU clock is a system call, not free: each timed call
    costs its caller the clock reads and the bookkeeping around the step. That
    cost is measured on a timed call of nothing (``calibrate``) and taken off the
    caller's figure, once per timed call it made (``corrected``)."""

    def __init__(self):
        self.own: dict[str, float] = {}
        self.inner_calls: dict[str, int] = {}  # timed calls made from inside a step
        self.overhead = 0.0  # seconds one timed call adds to its caller
        self._stack: list[list] = []  # [name, started, time of the steps inside]

    def wrap(self, name, function):
        def timed(*args, **kwargs):
            if self._stack:
                caller = self._stack[-1][0]
                self.inner_calls[caller] = self.inner_calls.get(caller, 0) + 1
            self._stack.append([name, time.thread_time(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                step, started, inner = self._stack.pop()
                spent = time.thread_time() - started
                self.own[step] = self.own.get(step, 0.0) + spent - inner
                if self._stack:
                    self._stack[-1][2] += spent

        return timed

    def calibrate(self, calls: int = 20000) -> None:
        probe = Steps()
        nothing = probe.wrap("nothing", lambda: None)
        outer = probe.wrap("outer", lambda: [nothing() for _ in range(calls)])
        bare = lambda: [(lambda: None)() for _ in range(calls)]  # noqa: E731
        began = time.thread_time()
        bare()
        baseline = time.thread_time() - began
        outer()
        # What the calls of nothing cost "outer", beyond the same loop untimed.
        self.overhead = max(0.0, (probe.own["outer"] - baseline) / calls)

    def corrected(self) -> dict[str, float]:
        return {
            name: spent - self.overhead * self.inner_calls.get(name, 0)
            for name, spent in self.own.items()
        }

    def patch(self, owner, attribute, name):
        setattr(owner, attribute, self.wrap(name, getattr(owner, attribute)))


def environ(path: str, line: str) -> dict:
    signature, token, body = line.rstrip("\n").split("\t", 2)
    data = body.encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_TWILIO_SIGNATURE": signature,
        "HTTP_I_TWILIO_IDEMPOTENCY_TOKEN": token,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def call(handler, path: str, line: str) -> None:
    statuses = []
    response = handler(environ(path, line), lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()  # request_finished: the connection goes back to the pool
    if not statuses[0].startswith("2"):
        raise SystemExit(f"{path} answered {statuses[0]}")


def wire_of_one_webhook(handler, path: str, line: str) -> dict:
    """One webhook's statements and round trips. The handler's request signals are
    held off meanwhile (as Django's test client does), so the request keeps one
    connection from first statement to last and the trace sees all of it."""
    from django.core import signals
    from django.db import close_old_connections, connection

    from instaply.db.postgresql.wire import on_the_wire

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with on_the_wire(connection) as wire:
            call(handler, path, line)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        close_old_connections()
    return {"statements": wire.statements, "round_trips": wire.round_trips}


def whole(handler, paths: dict[str, str], lines: list[str], rounds: int) -> dict[str, float]:
    """CPU µs per request of each path, uninstrumented, alternating in blocks."""
    spent = dict.fromkeys(paths, 0.0)
    served = dict.fromkeys(paths, 0)
    block, index = 50, 0
    for _ in range(max(1, rounds // block)):
        for name, path in paths.items():
            began = time.thread_time()
            for _ in range(block):
                call(handler, path, lines[index])
                index += 1
            spent[name] += time.thread_time() - began
            served[name] += block
    return {name: spent[name] / served[name] * 1e6 for name in paths}


def instrument(handler):
    """Names every step of the webhook's way through Django: (steps, timed handler)."""
    from django.conf import settings
    from django.core import signals
    from django.core.handlers import base, wsgi
    from django.utils.module_loading import import_string

    from channels_sms.providers import provider_for
    from channels_sms.services import deliveries
    from channels_sms.webhooks import views

    steps = Steps()
    for dotted in settings.MIDDLEWARE:  # each middleware's own time
        cls = import_string(dotted)
        steps.patch(cls, "__call__", f"middleware {cls.__name__}")
    steps.patch(signals.request_started, "send", "request_started (connections)")
    steps.patch(signals.request_finished, "send", "request_finished (connection to the pool)")
    steps.patch(wsgi.WSGIRequest, "__init__", "WSGIRequest (environ, headers)")
    steps.patch(wsgi.WSGIRequest, "_load_post_and_files", "parse the form")
    steps.patch(base.BaseHandler, "resolve_request", "URL resolution")
    steps.patch(views.routing, "twilio_route", "route from the database (SELECT, secret)")
    steps.patch(views.routing.book, "find", "route book (find)")
    steps.patch(views.routing.book, "confirm", "route book (confirm the version)")
    steps.patch(views.routing, "twilio_route_key", "route book (key)")
    provider = type(provider_for("twilio"))
    steps.patch(provider, "signature_valid", "signature (HMAC-SHA1)")
    steps.patch(views, "public_url", "public URL")
    steps.patch(views, "hit", "rate limit (Redis)")
    steps.patch(views.rls, "adopt", "adopt the tenant")
    steps.patch(deliveries, "insert_or_skip", "store (INSERT, set_config)")
    payload = type(deliveries.WebhookDelivery._meta.get_field("payload"))
    steps.patch(payload, "get_db_prep_save", "store: encrypt the payload (tenant key)")
    steps.patch(deliveries, "delivery_queue", "enqueue (Celery publish after commit)")
    steps.patch(deliveries, "uuid7", "delivery id (uuid7)")
    steps.patch(views, "HttpResponse", "TwiML response")
    steps.patch(views, "_twilio", "view (the rest)")
    return steps, steps.wrap("WSGI handler (the rest: status, headers)", handler)


def main() -> None:
    lines_file, rounds = sys.argv[1], int(sys.argv[2])
    paths = json.loads(sys.argv[3])  # name: path, the webhook's named "webhook"
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    lines = Path(lines_file).read_text().splitlines()
    need = rounds * (len(paths) + 1) + 200 + 3 * rounds + 200
    if len(lines) < need:
        raise SystemExit(f"_webhook_steps needs {need} distinct requests, got {len(lines)}")
    handler = WSGIHandler()
    webhook = paths["webhook"]
    for line in lines[:100]:  # warm-up: pools, key caches, URL resolver
        call(handler, webhook, line)
    trips = wire_of_one_webhook(handler, webhook, lines[100])
    lines = lines[101:]
    gc.freeze()  # as the tier's workers, once loaded (instaply/gunicorn_conf.py)
    costs = whole(handler, paths, lines, rounds)
    lines = lines[rounds * len(paths) :]
    # The native intake before the view is instrumented (its patches would time it too).
    native = _intake_steps.measure(webhook, lines[: 3 * rounds + 200], rounds, Steps)
    lines = lines[3 * rounds + 200 :]
    steps, timed = instrument(WSGIHandler())
    began = time.thread_time()
    for line in lines[:rounds]:
        call(timed, webhook, line)
    instrumented = (time.thread_time() - began) / rounds * 1e6
    steps.calibrate()
    own = {name: spent / rounds * 1e6 for name, spent in steps.corrected().items()}
    figures = {"trips": trips, "whole": costs, "steps": own, "instrumented": instrumented}
    figures["native"] = native
    print(json.dumps(figures | {"timer_us": steps.overhead * 1e6}))


if __name__ == "__main__":
    main()
