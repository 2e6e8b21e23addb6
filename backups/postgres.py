"""pg_dump and pg_restore, of the server's own major version."""

import glob
import shutil
import subprocess
from pathlib import Path

from backups.target import KEY_TABLES


class PostgresToolError(Exception):
    pass


def tool(name: str, server_version_num: int) -> str:
    """The binary for the server's major version: Debian keeps one per version
    under /usr/lib/postgresql/<major>/bin; otherwise the one on PATH."""
    major = server_version_num // 10000
    for candidate in glob.glob(f"/usr/lib/postgresql/{major}/bin/{name}"):
        return candidate
    found = shutil.which(name)
    if found is None:
        raise PostgresToolError(f"{name} (PostgreSQL {major}) is not installed")
    return found


def dump_process(
    url: str, *, snapshot: str, server_version_num: int, role: str | None = None
) -> subprocess.Popen:
    """pg_dump in custom format to stdout, inside the caller's exported snapshot,
    without the rows of the key tables (their schema stays); as ``role`` when the
    login is subject to row-level security (backups.target)."""
    command = [
        tool("pg_dump", server_version_num),
        "--format=custom",
        "--compress=0",  # the stream is compressed once, before encryption
        f"--snapshot={snapshot}",
        *(f"--exclude-table-data=public.{table}" for table in KEY_TABLES),
        *([f"--role={role}"] if role else []),
        f"--dbname={url}",
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603 - arguments built here, no shell


def restore(url: str, dump: Path, *, server_version_num: int) -> None:
    command = [
        tool("pg_restore", server_version_num),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={url}",
        str(dump),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - arguments built here, no shell
    if finished.returncode != 0:
        raise PostgresToolError(f"pg_restore failed: {finished.stderr.strip()[-2000:]}")
