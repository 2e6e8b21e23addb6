"""The platform's processes on loopback, shared by bench/load.py and tests/faults.

The web tier is docker-compose.yml's `web` command (production settings), the
worker a Celery worker process, the dispatcher its `dispatcher` command.
Importing this module sets nothing up: callers pass the databases, Redis and
keys the processes use.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


APP_ROLE = "instaply_app"


def as_role(url: str, role: str) -> str:
    """A PostgreSQL URL with another user (and no password: loopback trust)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


def application_url(owner_url: str, role: str = APP_ROLE) -> str:
    """The URL production's processes use: the application role, which owns no
    table, so row-level security holds (created here when missing; needs Django
    set up on ``owner_url``'s database, as its owner)."""
    from django.core.management import call_command

    call_command("rls_roles", app_role=role, verbosity=0)
    return as_role(owner_url, role)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthz(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
        return conn.getresponse().status
    finally:
        conn.close()


class WebTier:
    """The compose file's web command on a loopback port; the environment is the
    compose file's, with local services and throwaway secrets."""

    def __init__(
        self,
        *,
        overrides: dict | None = None,
        app: str | None = None,
        database_url: str | None = None,
        redis_url: str | None = None,
        keys: str | None = None,
        output=None,
    ):
        import secrets

        web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
        self.command = list(web["command"])
        if app:  # the baseline: same command, another application object
            self.command[-1] = app
        self.port = free_port()
        self.output = output  # a file for the tier's own log lines (default: inherited)
        database_url = database_url or os.environ["DATABASE_URL"]
        self.env = (
            {k: v for k, v in os.environ.items() if k not in ("DJANGO_ENV", "DEBUG")}
            | {
                "DJANGO_ENV": "production",
                "DATABASE_URL": database_url,
                # Production names its reporting database; here the one beside the
                # main database that the caller migrated (instaply/settings/database.py).
                "REPORTING_DATABASE_URL": database_url.split("?")[0] + "_reporting",
                "REPORTING_KEY": secrets.token_urlsafe(48),
                "REDIS_URL": redis_url or os.environ["REDIS_URL"],
                "SECRET_KEY": secrets.token_urlsafe(64),
                "INSTAPLY_MASTER_KEYS": keys or os.environ["INSTAPLY_MASTER_KEYS"],
                "PUBLIC_BASE_URL": f"https://127.0.0.1:{self.port}",
                "ALLOWED_HOSTS": "127.0.0.1",
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            }
            | (overrides or {})
        )
        self.env.pop("SMS_SIMULATOR_URL", None)
        self.env["PATH"] = f"{Path(sys.executable).parent}:{self.env.get('PATH', '')}"

    def __enter__(self):
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self.output, stderr=self.output
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if healthz(self.port) == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        self.process.kill()
        raise RuntimeError("the web tier did not start")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [self.process.pid] + [int(p) for p in children.read_text().split()]

    def cpu_seconds(self) -> float:
        """CPU used so far by gunicorn's master and workers (user and system)."""
        total = 0
        for pid in self.pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")


def start_worker(queue: str, concurrency: int, env: dict, *extra: str) -> subprocess.Popen:
    """A Celery worker in a session of its own (stop() ends it and its children)."""
    command = [sys.executable, "-m", "celery", "-A", "instaply", "worker", "-Q", queue]
    command += ["--concurrency", str(concurrency), "-l", "INFO", *extra]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    return _started(command, env, ready=" ready.", what="the Celery worker")


def start_dispatcher(env: dict, *extra: str) -> subprocess.Popen:
    """The compose file's inbound dispatcher (``manage.py inbound_dispatcher``), in a
    session of its own; the environment's SMS_INBOUND_DISPATCH is set to dispatcher."""
    dispatcher = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["dispatcher"]
    command = [sys.executable, *dispatcher["command"][1:], *extra]
    env = env | {"SMS_INBOUND_DISPATCH": "dispatcher"}
    return _started(command, env, ready="inbound dispatcher ready", what="the inbound dispatcher")


def _started(command: list, env: dict, *, ready: str, what: str) -> subprocess.Popen:
    """``command`` in a session of its own, once it printed ``ready``; its output
    is drained from then on."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    for line in process.stdout:
        if ready in line:
            threading.Thread(target=process.stdout.read, daemon=True).start()  # drain
            return process
    raise RuntimeError(f"{what} did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
