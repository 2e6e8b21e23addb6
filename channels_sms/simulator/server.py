"""The simulator's HTTP server: Twilio's and Vonage's APIs and the /_sim/ control
API on one loopback port, served by the standard library's threaded server.

    with SimulatorServer(port=0) as sim:
        account = sim.add_account(provider="twilio", inbound_webhook_url=...)
        client = twilio_client_for(sim.url, account.sid, account.secret)
"""

import json
import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from channels_sms.simulator import control_api, twilio_api, vonage_api
from channels_sms.simulator.core import Simulator, SimulatorError
from channels_sms.simulator.routing import Request, Response, Router, json_response
from channels_sms.simulator.state import Account

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
TWILIO_MESSAGES = "/2010-04-01/Accounts/{account_sid}/Messages"


def build_router(sim: Simulator) -> Router:
    router = Router()

    def bind(function):
        return lambda request, **segments: function(sim, request, **segments)

    router.add("POST", TWILIO_MESSAGES + ".json", bind(twilio_api.create_message))
    router.add("GET", TWILIO_MESSAGES + ".json", bind(twilio_api.list_messages))
    router.add("GET", TWILIO_MESSAGES + "/{message_sid}.json", bind(twilio_api.fetch_message))
    router.add(
        "GET", TWILIO_MESSAGES + "/{message_sid}/Media/{media_sid}", bind(twilio_api.fetch_media)
    )
    router.add("POST", "/sms/json", bind(vonage_api.send_sms))
    router.add("GET", "/sms/json", bind(vonage_api.send_sms))
    control_api.routes(router, sim)
    return router


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive: the SDKs' pooled sessions and the
    # benchmark's load generator reuse them instead of reconnecting per request.
    protocol_version = "HTTP/1.1"
    server_version = "InstaplySmsSimulator/1.0"
    timeout = 60  # an idle keep-alive connection frees its thread after this

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def do_OPTIONS(self):
        self._write(Response(204))

    def _dispatch(self):
        length = self.headers.get("Content-Length") or "0"
        refusal = None
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            refusal = json_response(411, {"error": "send a Content-Length, not chunks"})
        elif not length.isdigit():
            refusal = json_response(400, {"error": "invalid Content-Length"})
        elif int(length) > MAX_BODY:
            refusal = json_response(413, {"error": "request body too large"})
        if refusal is not None:
            # The body was not read, so this connection cannot carry another request.
            self.close_connection = True
            self._write(refusal)
            return
        length = int(length)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        self._write(self.server.respond(request))

    def _write(self, response: Response):
        self.send_response(response.status)
        headers = {**response.headers, **self.server.cors_headers(self.headers.get("Origin"))}
        if response.body or response.status not in (204, 304):
            headers["Content-Type"] = response.content_type
        headers["Content-Length"] = str(len(response.body))
        if self.close_connection:
            headers["Connection"] = "close"
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format, *args):  # noqa: A002 - the standard library's name
        logger.debug("%s - %s", self.address_string(), format % args)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, router: Router, cors_origins: tuple[str, ...]):
        super().__init__(address, _Handler)
        self.router = router
        self.cors_origins = cors_origins

    def handle_error(self, request, client_address):
        # A caller that went away before its answer (a worker killed mid-call)
        # is not the simulator's error: no traceback for it.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    def respond(self, request: Request) -> Response:
        handler, found = self.router.resolve(request.method, request.path)
        if handler is None:
            if request.path.startswith("/2010-04-01/"):
                return twilio_api.error_response(404, 20404, path=request.path)
            if found:
                return json_response(405, {"error": f"use {', '.join(found)}"})
            return json_response(404, {"error": f"no route for {request.path}"})
        try:
            return handler(request, **found)
        except SimulatorError as error:
            return json_response(error.status, {"error": str(error)})
        except json.JSONDecodeError:
            return json_response(400, {"error": "the body is not valid JSON"})
        except Exception:
            logger.exception("SMS simulator failed on %s %s", request.method, request.path)
            return json_response(500, {"error": "simulator error, see its log"})

    def cors_headers(self, origin: str | None) -> dict:
        """Lets the configured origins (the demo phone page) call the control API
        from a browser. None by default: the control API has no authentication."""
        if not origin or origin not in self.cors_origins:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Vary": "Origin",
        }


class SimulatorServer:
    """The simulator on `host:port` (port 0 picks a free one), in a background thread.

    Use it as a context manager, or call `start()` / `stop()`; `serve_forever()`
    runs it in the calling thread instead (the management command)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        status_delay: float = 0.05,
        cors_origins: tuple[str, ...] = (),
    ):
        self.sim = Simulator(status_delay=status_delay)
        self._http = _HttpServer((host, port), build_router(self.sim), tuple(cors_origins))
        self.sim.base_url = self.url
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def state(self):
        return self.sim.state

    def start(self) -> "SimulatorServer":
        self._thread = threading.Thread(
            # A short poll interval makes stop() quick: tests start one per test.
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sms-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self):
        try:
            self._http.serve_forever()
        finally:
            self._close()

    def stop(self):
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._close()

    def _close(self):
        self._http.server_close()
        self.sim.close()

    def __enter__(self) -> "SimulatorServer":
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # The Python face of the control API, for tests in the same process.

    def add_account(self, **fields) -> Account:
        return self.sim.add_account(**fields)

    def inject_inbound(self, **payload) -> dict:
        """Same payload as `POST /_sim/inbound`, with `from` spelled `from_`."""
        if "from_" in payload:
            payload["from"] = payload.pop("from_")
        return control_api.inject_inbound(self.sim, payload)

    def add_fault(self, *, count=1, status=500, code=None, provider=None, seconds=None, delay=0.0):
        payload = {"count": count, "status": status, "code": code, "provider": provider}
        payload |= {"seconds": seconds, "delay": delay}
        return control_api.add_fault(self.sim, payload)

    def set_destination(self, number: str, **rule):
        return control_api.set_destination(self.sim, number, rule)

    @property
    def status_delay(self) -> float:
        return self.sim.state.status_delay

    @status_delay.setter
    def status_delay(self, seconds: float):
        control_api.set_status_delay(self.sim, seconds * 1000)

    def messages(self, **filters) -> list[dict]:
        """Filters as in `SimulatorState.messages` (provider, direction, to, from_, phone, ...)."""
        return [record.as_json() for record in self.sim.state.messages(**filters)]

    def deliveries(self, **filters) -> list[dict]:
        return [delivery.as_json() for delivery in self.sim.state.deliveries(**filters)]

    def wait_for_messages(self, count: int = 1, timeout: float = 5.0, **filters) -> list[dict]:
        return self._wait(self.messages, count, timeout, filters)

    def wait_for_deliveries(self, count: int = 1, timeout: float = 5.0, **filters) -> list[dict]:
        return self._wait(self.deliveries, count, timeout, filters)

    def _wait(self, fetch, count, timeout, filters) -> list[dict]:
        if not self.sim.state.wait_for(lambda: len(fetch(**filters)) >= count, timeout):
            found = fetch(**filters)
            raise TimeoutError(f"wanted {count} matching {filters}, got {len(found)}: {found}")
        return fetch(**filters)

    def reset(self, *, accounts: bool = False):
        self.sim.state.reset(accounts=accounts)
