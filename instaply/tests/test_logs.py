"""Process logs: one record is one line, whatever a client puts in a value."""

import io
import logging
import sys
from urllib.parse import quote

import pytest

from instaply.logs import SingleLineFormatter

FORGED = "2026-12-01 09:00:00,000 ERROR django.security [-] admin signed in"


@pytest.fixture
def console():
    """What the configured console handler (settings.LOGGING) writes."""
    handlers = [
        h for h in logging.getLogger().handlers if isinstance(h.formatter, SingleLineFormatter)
    ]
    assert handlers, "settings.LOGGING configures the console handler with SingleLineFormatter"
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    yield stream
    handlers[0].setStream(previous)


def test_a_logged_value_with_line_breaks_stays_on_one_line(console):
    logging.getLogger("instaply.tests").warning("visitor wrote %s", "hello\r\n" + FORGED)
    assert (
        console.getvalue()
        .splitlines()[-1]
        .endswith("WARNING instaply.tests [-] visitor wrote hello\\r\\n" + FORGED)
    )
    assert not [line for line in console.getvalue().splitlines() if line.startswith(FORGED)]


@pytest.mark.django_db
def test_a_line_break_in_a_requested_path_cannot_forge_a_log_line(client, console):
    # Percent-encoded, as a client sends it; Django decodes the path before logging it.
    assert client.get("/nowhere%0D%0A" + quote(FORGED)).status_code == 404
    lines = console.getvalue().splitlines()
    assert len(lines) == 1 and "Not Found: /nowhere" in lines[0], lines


def test_every_line_break_and_backslash_is_escaped_and_tracebacks_stay_readable():
    formatter = SingleLineFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "value %s", ("a\rb\nc\\n",), exc_info=True
        )
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    first, *rest = text.splitlines()
    assert first == "ERROR value a\\rb\\nc\\\\n"
    assert rest and rest[0].startswith("Traceback") and "ValueError: boom" in rest[-1]
