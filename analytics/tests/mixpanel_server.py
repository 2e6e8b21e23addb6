"""A loopback HTTP server that speaks Mixpanel's ingestion API, for tests.

``POST /track`` and ``POST /import`` take a form-encoded ``data`` field holding a
JSON array of events (or one event; base64 is accepted too, as Mixpanel does),
plus ``verbose`` and ``ip``. With ``verbose=1`` the answer is
``{"status": 1, "error": null}``; otherwise ``1``. Every request is kept as
received, so a test asserts on exactly what left the platform. ``fail_next``
makes the next requests answer HTTP 500, as an ingestion outage would.
"""

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PATHS = ("/track", "/import")


@dataclass
class Received:
    path: str
    form: dict[str, str]
    raw: str
    events: list[dict] = field(default_factory=list)


def _events(data: str) -> list[dict]:
    try:
        decoded = json.loads(data)
    except json.JSONDecodeError:
        decoded = json.loads(base64.b64decode(data))
    return decoded if isinstance(decoded, list) else [decoded]


class MixpanelServer:
    def __init__(self):
        self.requests: list[Received] = []
        self.failures = 0  # requests answered 500, counted
        self._fail_next = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def events(self) -> list[dict]:
        return [event for request in self.requests for event in request.events]

    def fail_next(self, count: int = 1) -> None:
        with self._lock:
            self._fail_next = count

    def __enter__(self) -> "MixpanelServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, path: str, body: bytes) -> tuple[int, bytes]:
        if path not in PATHS:
            return 404, b'{"status": 0, "error": "unknown endpoint"}'
        with self._lock:
            if self._fail_next:
                self._fail_next -= 1
                self.failures += 1
                return 500, b'{"status": 0, "error": "ingestion unavailable"}'
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        if "data" not in form:
            return 400, b'{"status": 0, "error": "data, missing or empty"}'
        received = Received(path=path, form=form, raw=body.decode(), events=_events(form["data"]))
        with self._lock:
            self.requests.append(received)
        if form.get("verbose") == "1":
            return 200, json.dumps({"status": 1, "error": None}).encode()
        return 200, b"1"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                status, body = server._answer(self.path.split("?")[0], self.rfile.read(length))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
