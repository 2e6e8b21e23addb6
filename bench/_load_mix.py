"""The clients of bench/load.py: the mixed requests, a closed-loop ramp, an
open-loop run at a fixed rate, and the long-polls of the events feed.

Every answer is counted per kind (``_figures.Tally``: latencies of 2xx answers,
other statuses apart, 0 for a connection error or timeout); unlike the single-kind
benches, a run does not stop at the first error: errors per kind are a figure here.
"""

import http.client
import itertools
import json
import socket
import threading
import time

from _figures import Tally
from _load_figures import KINDS, MIX

WEBHOOK = "/webhooks/twilio/sms/"
# Set by the deployment's TLS proxy in front of the tier (bench/live_bench.py does the same).
PROXIED = {"X-Forwarded-Proto": "https"}
TIMEOUT = 30


class OutOfTexts(SystemExit):
    """The run needed more distinct signed texts than were prepared."""


class Mix:
    """The requests of the mix against one tenant: pre-signed texts, each sent once,
    and the agent's reads and replies over the API with a bearer token."""

    def __init__(self, port: int, token: str, texts: list, conversations: list[str]):
        self.port, self.texts, self.conversations = port, texts, conversations
        self.auth = PROXIED | {"Authorization": f"Bearer {token}"}
        self._next_text, self._turn = itertools.count(), itertools.count()  # atomic next()
        self.exhausted = False

    def require_texts(self) -> None:
        """Stops the bench when a phase ran out of distinct texts: a repeated one is
        answered by the deduplication, far cheaper than a new one."""
        if self.exhausted:
            raise OutOfTexts(f"{len(self.texts):,} signed texts were not enough for the phase")

    def next_kind(self) -> str:
        return MIX[next(self._turn) % len(MIX)]

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)

    def send(self, conn: http.client.HTTPConnection, kind: str) -> int:
        """One request of ``kind`` on a keep-alive connection; its status."""
        n = next(self._turn)
        if kind == "webhook":
            index = next(self._next_text)
            if index >= len(self.texts):
                self.exhausted = True
                raise OutOfTexts("out of distinct texts")  # ends this client's thread
            body, headers = self.texts[index]
            conn.request("POST", WEBHOOK, body=body, headers=PROXIED | headers)
        elif kind == "inbox":
            conn.request("GET", "/api/v1/conversations?limit=25", headers=self.auth)
        elif kind == "thread":
            conversation = self.conversations[n % len(self.conversations)]
            path = f"/api/v1/conversations/{conversation}/messages?limit=50"
            conn.request("GET", path, headers=self.auth)
        else:
            conversation = self.conversations[n % len(self.conversations)]
            body = json.dumps({"body": f"Thanks, your order {n} is ready for pickup."})
            headers = self.auth | {"Content-Type": "application/json"}
            conn.request("POST", f"/api/v1/conversations/{conversation}/messages", body, headers)
        response = conn.getresponse()
        response.read()
        return response.status


def _timed(mix: Mix, conn, kind: str) -> tuple[int, http.client.HTTPConnection]:
    try:
        return mix.send(conn, kind), conn
    except (OSError, http.client.HTTPException):
        conn.close()  # a timeout or a reset: start a fresh connection
        return 0, mix.connect()


def _gather(per_client: list[dict[str, Tally]]) -> dict[str, Tally]:
    total = {kind: Tally() for kind in KINDS}
    for tallies in per_client:
        for kind, tally in tallies.items():
            total[kind].merge(tally)
    return total


def _run_threads(target, count: int) -> float:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def closed_loop(mix: Mix, *, clients: int, seconds: float) -> tuple[dict[str, Tally], float]:
    """``clients`` connections, each sending its next request as soon as the last
    is answered: the most the tier serves at that concurrency."""
    per_client = [{kind: Tally() for kind in KINDS} for _ in range(clients)]
    stop = time.perf_counter() + seconds

    def client(i):
        conn = mix.connect()
        while time.perf_counter() < stop:
            kind = mix.next_kind()
            began = time.perf_counter()
            status, conn = _timed(mix, conn, kind)
            per_client[i][kind].add(status, time.perf_counter() - began)
        conn.close()

    elapsed = _run_threads(client, clients)
    return _gather(per_client), elapsed


def open_loop(
    mix: Mix, *, rate: float, seconds: float, clients: int
) -> tuple[dict[str, Tally], float]:
    """Requests started on a fixed schedule (``rate`` a second), whatever the
    answers: a latency runs from the request's scheduled start, so time spent
    waiting for a free client counts (no coordinated omission)."""
    per_client = [{kind: Tally() for kind in KINDS} for _ in range(clients)]
    slots, start = itertools.count(), time.perf_counter() + 0.1
    total = int(rate * seconds)

    def client(i):
        conn = mix.connect()
        while (slot := next(slots)) < total:
            due = start + slot / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            kind = MIX[slot % len(MIX)]
            status, conn = _timed(mix, conn, kind)
            per_client[i][kind].add(status, time.perf_counter() - due)
        conn.close()

    elapsed = _run_threads(client, clients)
    return _gather(per_client), elapsed


class LongPoll(threading.Thread):
    """An open inbox: waits on the events feed, answer after answer, and keeps the
    ids of the inbound messages announced in ``message.created`` events."""

    def __init__(self, port: int, token: str):
        super().__init__(daemon=True)
        self.port, self.auth = port, PROXIED | {"Authorization": f"Bearer {token}"}
        self.inbound: set[str] = set()
        self.duplicates = 0  # the same message announced twice to this client
        self.answers = Tally()
        self.ready, self.stopping = threading.Event(), threading.Event()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def _get(self, path: str) -> dict | None:
        began = time.perf_counter()
        try:
            self.conn.request("GET", path, headers=self.auth)
            response = self.conn.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            if self.stopping.is_set():
                return None
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            status, body = 0, b""
        self.answers.add(status, time.perf_counter() - began)
        return json.loads(body) if status == 200 else None

    def run(self):
        first = None
        while first is None and not self.stopping.is_set():
            first = self._get("/api/v1/events")
        cursor = first["cursor"] if first else 0
        self.ready.set()
        while not self.stopping.is_set():
            page = self._get(f"/api/v1/events?after={cursor}&wait=25")
            if page is None:
                time.sleep(0.2)  # an error: do not spin
                continue
            for event in page["results"]:
                payload = event["payload"]
                if event["kind"] == "message.created" and payload.get("direction") == "inbound":
                    if payload["message_id"] in self.inbound:
                        self.duplicates += 1
                    self.inbound.add(payload["message_id"])
            cursor = page["cursor"]

    def stop(self):
        self.stopping.set()
        try:  # a shutdown, unlike a close, wakes the thread blocked in its wait
            if self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
