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
        self.env = os.environ | {"DJANGO_SETTINGS_MODULE": "instaply.settings"} | (extra_env or {})

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
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples: list[list[float]] = [[] for _ in requests]
    for _ in range(n):
        for i, (path, headers) in enumerate(requests):
            start = time.perf_counter()
            status, _ = get(port, path, headers, conn)
            samples[i].append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
    conn.close()
    return samples


def throughput(port: int, path: str, headers: dict, *, concurrency: int, seconds: float) -> float:
    """Requests per second from ``concurrency`` keep-alive clients for ``seconds``."""
    done = [0] * concurrency
    errors = []
    stop = time.monotonic() + seconds

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            status, _ = get(port, path, headers, conn)
            if status != 200:
                errors.append(status)
                return
            done[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{path} answered {errors[0]}")
    return sum(done) / (time.monotonic() - start)
