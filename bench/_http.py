"""A small HTTP load generator on loopback, and a gunicorn server to point it at."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from _figures import Tally, describe_errors

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving instaply on loopback with the current environment."""

    def __init__(self, *, workers: int = 2, threads: int = 8, extra_env: dict | None = None):
        self.port = free_port()
        self.args = [
            sys.executable, "-m", "gunicorn", "-c", "python:instaply.gunicorn_conf",
            "instaply.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
            "--threads", str(threads), "--worker-class", "gthread",
            "--log-level", "warning", "--timeout", "60",
        ]  # fmt: skip
        # As deployed: DEBUG off (with it on, Django keeps every query in memory).
        defaults = {"DJANGO_SETTINGS_MODULE": "instaply.settings", "DEBUG": "false"}
        self.env = os.environ | defaults | {"LOG_LEVEL": "WARNING"} | (extra_env or {})

    def __enter__(self):
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _ = get(self.port, "/healthz", {})
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def get(port: int, path: str, headers: dict, connection=None) -> tuple[int, bytes]:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if connection is None:
        conn.close()
    return response.status, body


def latencies(port: int, path: str, headers: dict, n: int) -> list[float]:
    """Sequential requests on one keep-alive connection; seconds each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        status, _ = get(port, path, headers, conn)
        samples.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    conn.close()
    return samples


def interleaved_latencies(port: int, requests: list[tuple[str, dict]], n: int) -> list[list[float]]:
    """Like ``latencies`` for several requests at once, taken in turn, so a
    drift in the machine's load (autovacuum, another process) hits them alike."""
    return interleaved_servers([(port, path, headers) for path, headers in requests], n)


def interleaved_servers(requests: list[tuple[int, str, dict]], n: int) -> list[list[float]]:
    """(port, path, headers) requests taken in turn ``n`` times, one keep-alive
    connection per port; seconds each."""
    conns = {
        port: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port, _, _ in requests
    }
    samples: list[list[float]] = [[] for _ in requests]
    for _ in range(n):
        for i, (port, path, headers) in enumerate(requests):
            start = time.perf_counter()
            status, _ = get(port, path, headers, conns[port])
            samples[i].append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
    for conn in conns.values():
        conn.close()
    return samples


def load(port: int, path: str, headers: dict, *, concurrency: int, seconds: float) -> dict:
    """``concurrency`` keep-alive clients for ``seconds``: rate and percentiles of
    2xx answers only. The first other answer stops every client and the run."""
    tallies = [Tally() for _ in range(concurrency)]
    failed = threading.Event()
    stop = time.monotonic() + seconds

    def client(tally):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop and not failed.is_set():
            began = time.perf_counter()
            try:
                status, _ = get(port, path, headers, conn)
            except OSError:
                status = 0
            if not tally.add(status, time.perf_counter() - began):
                failed.set()
        conn.close()

    threads = [threading.Thread(target=client, args=(t,)) for t in tallies]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    if total.error_count:
        raise RuntimeError(f"{path} answered {describe_errors(total.errors)}: no figure kept")
    return total.summary(elapsed)


def throughput(port: int, path: str, headers: dict, *, concurrency: int, seconds: float) -> float:
    """2xx answers per second from ``concurrency`` keep-alive clients for ``seconds``."""
    return load(port, path, headers, concurrency=concurrency, seconds=seconds)["rate"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


class ServerCpu:
    """CPU used by the gunicorn workers and by the PostgreSQL backends serving
    them: unlike a rate, it hardly moves when other processes load the machine."""

    def __init__(self, server: Gunicorn, backends):
        self.server, self.backends = server, backends  # backends(): the current pids

    def snapshot(self) -> dict[int, float]:
        pids = children(self.server.process.pid) + list(self.backends())
        return {pid: cpu_seconds(pid) for pid in pids}

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        # A process that appeared meanwhile counts from zero; one that left, not at all.
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
