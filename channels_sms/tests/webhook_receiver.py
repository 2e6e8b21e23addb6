"""A tiny loopback HTTP server that stands in for our webhooks in simulator tests:
it records every request exactly as received and answers what the test says."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class ReceivedRequest:
    method: str
    url: str  # the full URL as called: what a signature is computed over
    headers: dict  # lower-cased names
    body: bytes

    @property
    def query(self) -> dict:
        return _single(parse_qs(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def form(self) -> dict:
        return _single(parse_qs(self.body.decode(), keep_blank_values=True))

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def params(self) -> dict:
        """Parameters wherever the provider put them: query (GET), JSON or form body."""
        if self.method == "GET":
            return self.query
        if self.headers.get("content-type", "").startswith("application/json"):
            return self.json
        return self.form


def _single(values: dict) -> dict:
    return {name: items[0] for name, items in values.items()}


class WebhookReceiver:
    def __init__(self):
        self.requests: list[ReceivedRequest] = []
        self.answer = (200, "text/xml", b"<?xml version='1.0' encoding='UTF-8'?><Response/>")
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                host, port = self.server.server_address[:2]
                received = ReceivedRequest(
                    method=self.command,
                    url=f"http://{host}:{port}{self.path}",
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                status, content_type, payload = receiver.answer
                with receiver._changed:
                    receiver.requests.append(received)
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def wait_for(self, count: int, path: str | None = None, timeout: float = 5.0) -> list:
        """The first `count` requests (to `path`, when given), waiting for them to arrive."""

        def matching():
            return [r for r in self.requests if path is None or urlsplit(r.url).path == path]

        with self._changed:
            if not self._changed.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                raise TimeoutError(f"wanted {count} requests to {path}, got {matching()}")
            return matching()[:count]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
