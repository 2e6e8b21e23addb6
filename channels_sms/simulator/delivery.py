"""Calling our webhooks: the HTTP request itself and the background timeline.

Status callbacks and delivery receipts leave on a small thread pool after a
delay, like a carrier's would. Each message's steps are chained (the next step
is scheduled only when the previous request has finished) so `sent` always
reaches the webhook before `delivered`, however many messages are in flight.
"""

import heapq
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 15.0


@dataclass
class SignedWebhook:
    """A webhook request ready to send: exactly what the provider would send."""

    url: str
    method: str  # GET, POST (form) or POST-JSON
    params: dict
    headers: dict = field(default_factory=dict)


@dataclass
class WebhookAnswer:
    status: int | None
    body: str
    content_type: str = ""
    error: str | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # Providers do not follow redirects from webhooks; a 3xx is the answer.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxy either: the webhooks the simulator calls are ours, on this machine.
_opener = urllib.request.build_opener(_NoRedirects(), urllib.request.ProxyHandler({}))


def send_webhook(webhook: SignedWebhook, timeout: float = WEBHOOK_TIMEOUT) -> WebhookAnswer:
    headers = {"User-Agent": "InstaplySmsSimulator/1.0", **webhook.headers}
    url, data = webhook.url, None
    if webhook.method == "GET":
        separator = "&" if urllib.parse.urlsplit(url).query else "?"
        url = url + separator + urllib.parse.urlencode(webhook.params) if webhook.params else url
    elif webhook.method == "POST-JSON":
        data = json.dumps(webhook.params).encode()
        headers["Content-Type"] = "application/json"
    else:
        data = urllib.parse.urlencode(webhook.params).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    method = "GET" if webhook.method == "GET" else "POST"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            return _answer(response.status, response.read(), response.headers)
    except urllib.error.HTTPError as error:
        return _answer(error.code, error.read(), error.headers)
    except (OSError, urllib.error.URLError) as error:
        return WebhookAnswer(status=None, body="", error=f"{type(error).__name__}: {error}")


def _answer(status: int, raw: bytes, headers) -> WebhookAnswer:
    content_type = headers.get("Content-Type", "") if headers else ""
    return WebhookAnswer(
        status=status, body=raw.decode("utf-8", "replace"), content_type=content_type
    )


class Scheduler:
    """Runs callables after a delay on a bounded pool of worker threads."""

    def __init__(self, workers: int = 8):
        self._queue: list = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopping = False
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sms-sim-callback")
        self._thread = threading.Thread(target=self._run, name="sms-sim-scheduler", daemon=True)
        self._thread.start()

    def call_later(self, delay: float, function, *args):
        with self._wake:
            heapq.heappush(
                self._queue, (time.monotonic() + delay, next(self._order), function, args)
            )
            self._wake.notify()

    def idle(self) -> bool:
        with self._wake:
            return not self._queue

    def stop(self):
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self):
        while True:
            with self._wake:
                while not self._stopping and (
                    not self._queue or self._queue[0][0] > time.monotonic()
                ):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._wake.wait(timeout)
                if self._stopping:
                    return
                _, _, function, args = heapq.heappop(self._queue)
            self._pool.submit(self._guarded, function, *args)

    @staticmethod
    def _guarded(function, *args):
        try:
            function(*args)
        except Exception:
            logger.exception("SMS simulator callback step failed")
