"""Private PostgreSQL and Redis servers that the fault cases may stop and kill.

The shared servers on 5432 and 6379 are never touched: each of these is started
on a free port, in a temporary directory, for the suite only.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.processes import free_port


class Missing(RuntimeError):
    """A server program is not installed (the suite skips, or fails under CI)."""


def _program(name: str) -> str:
    found = shutil.which(name) or next(iter(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")), None)
    if not found:
        raise Missing(f"{name} is not installed")
    return found


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A throwaway cluster (trust authentication, loopback only, no fsync)."""

    def __init__(self):
        self.initdb, self.pg_ctl = _program("initdb"), _program("pg_ctl")
        self.dir = Path(tempfile.mkdtemp(prefix="instaply-faults-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.log = self.dir / "server.log"
        subprocess.run(
            _as_postgres([self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
        )

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options]
        subprocess.run(_as_postgres([*command, "-w", "start"]), check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        command = [self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"]
        subprocess.run(_as_postgres(command), check=False, capture_output=True)

    def running(self) -> bool:
        command = [self.pg_ctl, "-D", str(self.data), "status"]
        return subprocess.run(_as_postgres(command), capture_output=True).returncode == 0

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """No persistence: a restarted Redis has lost its queue, as a crashed one
    without an append-only file has. What was stored but not yet worked is
    found again in PostgreSQL by the sweeper (docs/operations.md, The sweeper);
    the suite checks exactly that."""

    def __init__(self):
        self.server = _program("redis-server")
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.server, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--loglevel", "warning"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        import socket

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the private Redis did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # as a crash: nothing is saved
            self.process.wait()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
