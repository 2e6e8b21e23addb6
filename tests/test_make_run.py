"""`make run`, the demo newcomers judge the product by, serves the product's own
pages: its error pages rather than Django's debug page (which lists every URL
route), and its static files without DEBUG.

The server is started as the Makefile starts it: `manage.py runserver` with the
environment of the Makefile's RUN_ENV, over real HTTP on loopback.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.embedded_only import embedded_pass_only

ROOT = Path(__file__).resolve().parents[1]
pytestmark = embedded_pass_only
STARTUP_SECONDS = 120  # a deadline for the server to come up, not a measurement


def makefile_env(name: str) -> dict[str, str]:
    """The variables a Makefile line `NAME := A=1 B=2` sets."""
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(rf"^{name}\s*:?=\s*(.*)$", makefile, re.M)
    assert line, f"{name} is not defined in the Makefile"
    return dict(pair.split("=", 1) for pair in line[1].split())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def migrate_both(env: dict[str, str]) -> None:
    """As `make run` does: the main database, then the reporting one."""
    for database in ("default", "reporting"):
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--database", database, "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )


def make_run_env(var_dir, port: int) -> dict[str, str]:
    """`make run`'s environment, on its own var/ directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env |= makefile_env("RUN_ENV") | {
        "INSTAPLY_VAR_DIR": str(var_dir),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_SETTINGS_MODULE": "instaply.settings",
    }
    env.pop("DJANGO_ENV", None)  # make run is the development default
    env.pop("EMBEDDED_BEAT", None)
    return env


@pytest.fixture
def make_run_server(tmp_path):
    """runserver with `make run`'s environment, on a free port and a fresh var/ directory."""
    port = _free_port()
    env = make_run_env(tmp_path, port)
    migrate_both(env)
    # Into a file, not a pipe nobody reads while it serves: a full pipe would
    # stop the server at its next line of output.
    output = (tmp_path / "runserver.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                output.seek(0)
                pytest.fail(f"runserver did not start:\n{output.read()}")
            time.sleep(0.2)
    yield url
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
    output.close()


def test_make_run_serves_the_product_error_page_not_the_debug_page(make_run_server):
    status, html, headers = _get(make_run_server + "/no/such/page/")
    assert status == 404
    assert "There is nothing at this address" in html  # web/templates/web/error.html
    assert "URLconf" not in html and "Django tried these URL patterns" not in html
    assert "DEBUG = True" not in html
    assert headers["Content-Type"].startswith("text/html")


def test_make_run_still_serves_static_files(make_run_server):
    status, css, headers = _get(make_run_server + "/static/web/app.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert css == (ROOT / "web" / "static" / "web" / "app.css").read_text()


def test_make_run_runs_the_beat_schedule_once_in_the_serving_process(tmp_path):
    """`make run` serves through runserver's autoreloader: a watching parent and a
    serving child. The child runs the periodic tasks (instaply/embedded_beat.py);
    the parent must not run a second beat."""
    port = _free_port()
    env = make_run_env(tmp_path, port)
    manage = [sys.executable, "manage.py"]
    migrate_both(env)
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}"],  # with the reloader, as the Makefile runs it
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the reloader's child is stopped with its parent
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True)
    reader.start()
    sealed = re.compile(r"Task audit\.seal_events\[[^]]+\] succeeded")
    woken = re.compile(r"Task conversations\.wake_snoozed\[[^]]+\] succeeded")
    # The expiries of platform access grants (issue 11) are recorded on the demo too.
    expiries = re.compile(r"Task platform_staff\.record_access_expiries\[[^]]+\] succeeded")
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not all(any(map(p.search, lines)) for p in (sealed, woken, expiries)):
            assert server.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        time.sleep(2)  # room for a second beat, were one started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
        reader.join(timeout=15)
    output = "".join(lines)
    assert output.count("Embedded beat: ") == 1, output
    assert len(sealed.findall(output)) == 1, output
    assert not re.search(r"embedded beat: \S+ (failed|waits)", output), output
