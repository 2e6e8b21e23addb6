"""The platform as deployed, on private services, for the fault cases.

One web tier (docker-compose.yml's web command, production settings), one
Celery worker with its beat (heartbeats every 2 s), one inbound dispatcher
(the compose file's, processing stored webhooks), the provider simulator, a
private PostgreSQL and a private Redis (tests/faults/services.py). Each case
texts its own tenant, so its counts are its own.
"""

import base64
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import psycopg

from bench.processes import WebTier, start_dispatcher, start_worker, stop
from channels_sms.simulator import SimulatorServer

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK, STATUS = "/webhooks/twilio/sms/", "/webhooks/twilio/status/"
PROXIED = {"X-Forwarded-Proto": "https"}  # as the deployment's TLS proxy says
# Throwaway, for the private databases only; never a real key.
KEYS = "v1:" + base64.b64encode(hashlib.sha256(b"instaply fault suite").digest()).decode()
TENANTS = ("redis", "worker", "postgres", "provider", "storm")
APP_ROLE = "instaply_app"
# Short clocks, so that the cases take seconds: how long a worker's heartbeat
# stays fresh, how long a provider call may take, when a CALLING attempt is a
# dead run's, how far apart send retries are, and how long a request waits for
# a database connection.
CLOCKS = {
    "WORKER_HEARTBEAT_SECONDS": "2",
    "WORKER_STALE_SECONDS": "8",
    "SMS_PROVIDER_TIMEOUT_SECONDS": "2",
    "SMS_CALL_STALE_SECONDS": "4",
    "SMS_SEND_BACKOFF_SECONDS": "1",
    "SMS_SEND_BACKOFF_MAX_SECONDS": "4",
    "SMS_SEND_MAX_ATTEMPTS": "12",
    "DATABASE_POOL_TIMEOUT_SECONDS": "2",
}


class Answer(SimpleNamespace):
    status: int
    content_type: str
    body: bytes
    started: float  # time.monotonic() when the request was sent
    seconds: float  # until its answer

    def json(self):
        return json.loads(self.body)


def call(port: int, method: str, path: str, body=None, headers=None, timeout=15) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=PROXIED | (headers or {}))
        response = conn.getresponse()
        return Answer(
            status=response.status,
            content_type=response.getheader("Content-Type", ""),
            body=response.read(),
            started=started,
            seconds=time.monotonic() - started,
        )
    except (OSError, http.client.HTTPException) as error:
        return Answer(
            status=0,
            content_type="",
            body=repr(error).encode(),
            started=started,
            seconds=time.monotonic() - started,
        )
    finally:
        conn.close()


class Platform:
    def __init__(self, postgres, redis, scratch: Path):
        self.pg, self.redis, self.scratch = postgres, redis, scratch
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE faults")
        self.database_url = postgres.url("faults")  # the owner: seeding, the cases' reads
        # The web tier and the worker connect as production does: as the
        # application role, under row-level security (docs/tenant-scoping.md).
        self.app_database_url = self.database_url.replace("postgres@", f"{APP_ROLE}@", 1)
        self.tier_log = open(scratch / "web-tier.log", "ab")  # noqa: SIM115 - closed in close()
        self.tier = WebTier(
            output=self.tier_log,
            database_url=self.app_database_url,
            redis_url=redis.url,
            keys=KEYS,
            overrides=CLOCKS
            | {
                "RATE_LIMITS": "sms_webhook=100000000/m",  # one number takes every text
                "LOG_LEVEL": "ERROR",  # not a line per refused publish
            },
        )
        self.base = self.tier.env["PUBLIC_BASE_URL"]
        self.sim = self.worker = self.dispatcher = self.env = None
        self.tier_started = False

    def start(self) -> None:
        """Seeds, then starts the simulator, the tier and the worker; close()
        stops whatever of them started, even when this failed half-way."""
        self.worlds = self._seed()
        self.sim = SimulatorServer(port=0, status_delay=86400)  # callbacks: the cases send them
        self.sim.start()
        for world in self.worlds.values():
            self.sim.add_account(
                provider="twilio",
                account_sid=world.account_ref,
                auth_token=world.auth_token,
                numbers=[world.number],
                inbound_webhook_url=self.base + WEBHOOK,
            )
        self.env = (
            {
                k: v
                for k, v in os.environ.items()
                if k not in ("DJANGO_ENV", "REPORTING_DATABASE_URL", "DJANGO_SETTINGS_MODULE")
            }
            | CLOCKS
            | {
                "DATABASE_URL": self.app_database_url,
                "REPORTING_DATABASE_URL": self.database_url + "_reporting",
                "REDIS_URL": self.redis.url,
                "INSTAPLY_MASTER_KEYS": KEYS,
                "DEBUG": "false",
                "LOG_LEVEL": "WARNING",
                "PUBLIC_BASE_URL": self.base,
                "SMS_SIMULATOR_URL": self.sim.url,
                # As the web tier (production): the stored webhook is the job.
                "SMS_INBOUND_DISPATCH": "dispatcher",
            }
        )
        self.tier.__enter__()
        self.tier_started = True
        self.start_worker()

    def _seed(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "REPORTING_DATABASE_URL"}
        env |= {"DATABASE_URL": self.database_url, "INSTAPLY_MASTER_KEYS": KEYS}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        command = [
            sys.executable,
            str(ROOT / "tests/faults/_seed.py"),
            self.base,
            APP_ROLE,
            *TENANTS,
        ]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"seeding the private database failed:\n{done.stderr[-3000:]}")
        worlds = json.loads(done.stdout.strip().splitlines()[-1])
        return {name: SimpleNamespace(**fields) for name, fields in worlds.items()}

    # Processes ---------------------------------------------------------------

    def start_worker(self) -> None:
        """The Celery worker (with beat) and the inbound dispatcher: what processes work."""
        schedule = self.scratch / f"beat-{time.monotonic_ns()}"
        self.worker = start_worker("celery", 2, self.env, "-B", "-s", str(schedule))
        self.dispatcher = start_dispatcher(self.env)

    def kill_worker(self) -> None:
        """SIGKILL to the worker, its pool and beat, and to the dispatcher (mid-batch
        when texts are arriving): nothing gets to clean up."""
        for process in (self.worker, self.dispatcher):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def worker_alive(self) -> bool:
        return all(
            process is not None and process.poll() is None
            for process in (self.worker, self.dispatcher)
        )

    def sweep(self) -> str:
        """`manage.py sweep --grace 0`: what beat runs every 60 s with a 120 s
        grace, at once, so that the cases wait seconds rather than minutes."""
        command = [sys.executable, "manage.py", "sweep", "--grace", "0"]
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True)
        return (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]

    def restore(self) -> None:
        """What a case stopped, started again (after a failure too)."""
        state = self.sim.sim.state
        state.clear_faults()
        for number in list(state.destinations()):
            state.set_destination(number, None)  # every phone reachable again
        if not self.pg.running():
            self.pg.start()
        if not self.redis.running():
            self.redis.start()
        if not self.worker_alive():
            self.stop_processes()
            self.start_worker()

    def stop_processes(self) -> None:
        for process in (self.worker, self.dispatcher):
            if process is not None and process.poll() is None:
                stop(process)

    def close(self) -> None:
        self.stop_processes()
        if self.tier_started:
            self.tier.__exit__(None, None, None)
        self.tier_log.close()
        if self.sim is not None:
            self.sim.stop()

    # Requests ----------------------------------------------------------------

    def post(self, path: str, body: str, headers: dict) -> Answer:
        return call(self.tier.port, "POST", path, body, headers)

    def readyz(self) -> Answer:
        return call(self.tier.port, "GET", "/readyz")

    def down(self) -> list[str]:
        answer = self.readyz()
        return answer.json().get("down", []) if answer.status == 503 else []

    def wait_down(self, name: str, limit: float = 20) -> list[str]:
        """What /readyz names down, once it names ``name`` (or after ``limit``)."""
        deadline = time.monotonic() + limit
        while True:
            down = self.down()
            if name in down or time.monotonic() > deadline:
                return down
            time.sleep(0.5)

    def wait_ready(self, limit: float = 30) -> bool:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.readyz().status == 200:
                return True
            time.sleep(0.5)
        return False

    def send_all(self, items: list, path: str = WEBHOOK, clients: int = 8, send=None) -> list:
        """Each item sent once, ``clients`` at a time; answers in order. By
        default an item is a (body, headers) POSTed to ``path``."""
        send = send or (lambda item: self.post(path, item[0], item[1]))
        with ThreadPoolExecutor(clients) as pool:
            return list(pool.map(send, items))

    def api(self, world, method: str, path: str, payload=None) -> Answer:
        headers = {"Authorization": f"Bearer {world.token}", "Content-Type": "application/json"}
        body = json.dumps(payload) if payload is not None else None
        return call(self.tier.port, method, path, body, headers)

    # Texts -------------------------------------------------------------------

    def texts(self, world, count: int, senders: int = 50) -> list:
        """(body, headers) of ``count`` distinct texts signed as Twilio signs them."""
        from bench.webhook_bench import signed_requests

        account = SimpleNamespace(account_ref=world.account_ref, auth_token=world.auth_token)
        number = SimpleNamespace(number=world.number)
        return signed_requests(account, number, self.base, count, senders)

    # Counts, read from the private database ------------------------------------

    def query(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    @contextmanager
    def holding(self, sql: str, *params, limit: float = 60):
        """Locks the rows ``sql`` selects (``FOR UPDATE``) in a transaction held
        open until the block ends, then rolled back; yields (the holder's
        backend pid, the rows). Tried again until it locks at least one row.

        A case holds a row the platform's work needs, then sees the work blocked
        on it (``blocked_by``): the work is provably in progress, uncommitted,
        when the case kills its process."""
        deadline = time.monotonic() + limit
        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            while not (rows := conn.execute(sql, params).fetchall()):
                conn.rollback()
                if time.monotonic() > deadline:
                    raise AssertionError(f"nothing to lock after {limit} s: {sql}")
                time.sleep(0.02)
            try:
                yield conn.info.backend_pid, rows
            finally:
                conn.rollback()

    def blocked_by(self, holder: int) -> list[tuple[int, str]]:
        """(pid, role) of the server processes waiting on a lock ``holder`` holds."""
        return self.query(
            "SELECT pid, usename FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            holder,
        )

    def wait_blocked_by(self, holder: int, limit: float = 60) -> list[tuple[int, str]]:
        deadline = time.monotonic() + limit
        while not (blocked := self.blocked_by(holder)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return blocked

    def locked_elsewhere(self, sql: str, *params) -> int:
        """How many of the rows ``sql`` selects another transaction holds: the
        rows minus those a ``FOR SHARE SKIP LOCKED`` of them could take (taken
        for an instant, in a transaction rolled back at once). One statement, so
        both counts see the same rows while more are being committed."""
        counted = (
            f"SELECT (SELECT count(*) FROM ({sql}) rows) - "  # noqa: S608
            f"(SELECT count(*) FROM ({sql} FOR SHARE SKIP LOCKED) free)"
        )
        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            locked = conn.execute(counted, params + params).fetchone()[0]
            conn.rollback()
        return locked

    def inbound(self, world) -> tuple[int, int]:
        """(messages, distinct provider ids) of the tenant's inbound texts."""
        return self.query(
            "SELECT count(*), count(DISTINCT provider_message_id) FROM conversations_message "
            "WHERE tenant_id = %s AND direction = 'inbound'",
            world.tenant_id,
        )[0]

    def wait_inbound(self, world, expected: int, limit: float = 90) -> int:
        """Waits for ``expected`` inbound messages, running the sweep every few
        seconds meanwhile (work the broker lost is published again)."""
        deadline, swept = time.monotonic() + limit, time.monotonic()
        while (stored := self.inbound(world)[0]) < expected and time.monotonic() < deadline:
            if time.monotonic() - swept > 5:
                self.sweep()
                swept = time.monotonic()
            time.sleep(0.5)
        return stored

    def outbound(self, world) -> list[tuple]:
        """(id, status, failure_code, failure_reason, provider id) of the replies."""
        return self.query(
            "SELECT id, status, failure_code, failure_reason, provider_message_id "
            "FROM conversations_message WHERE tenant_id = %s AND direction = 'outbound'",
            world.tenant_id,
        )

    def wait_replies_final(self, world, limit: float = 90) -> list[tuple]:
        """Waits until no reply is queued, sweeping every few seconds."""
        deadline, swept = time.monotonic() + limit, time.monotonic()
        while True:
            rows = self.outbound(world)
            if all(row[1] != "queued" for row in rows) or time.monotonic() > deadline:
                break
            if time.monotonic() - swept > 5:
                self.sweep()
                swept = time.monotonic()
            time.sleep(0.5)
        return rows

    def conversation_ids(self, world) -> list[str]:
        rows = self.query(
            "SELECT id FROM conversations_conversation WHERE tenant_id = %s ORDER BY id",
            world.tenant_id,
        )
        return [str(row[0]) for row in rows]

    def reply(self, world, conversation_id: str, body: str) -> Answer:
        path = f"/api/v1/conversations/{conversation_id}/messages"
        return self.api(world, "POST", path, {"body": body})
