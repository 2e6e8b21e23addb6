"""What a block of code sends PostgreSQL, read off the wire: every statement
(the row-level security ``set_config`` included) and every round trip.

``CaptureQueriesContext`` sees only the statements Django's cursors run; the
backend's scope switching goes around them (instaply/db/postgresql/base.py).
This reads libpq's own protocol trace of the connection instead, so nothing
sent can be missed: a statement is an Execute (extended protocol) or a Query
(simple protocol); a round trip is a Sync or a Query, after which the client
waits for the server's ReadyForQuery. For tests and benchmarks.
"""

import contextlib
import re
import tempfile
from dataclasses import dataclass, field

_SCOPE_HEAD = "SELECT set_config('instaply.tenant_id'"
# A Parse message: statement name, then the SQL, then the parameters' type oids.
_PARSE = re.compile(r'\s*"([^"]*)"\s+"(.*)"(?:\s+\d+)*\s*$')
# A Bind message: portal name, then the name of the statement it runs.
_BIND = re.compile(r'\s*"[^"]*"\s+"([^"]*)"')


@dataclass
class Wire:
    statements: list[str] = field(default_factory=list)  # the SQL, in order
    round_trips: int = 0


def _read(trace: str, wire: Wire, named: dict[str, str]) -> None:
    """``named``: the statements prepared on the connection, by name."""
    parsed = bound = ""
    for line in trace.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or parts[1] != "F":
            continue
        message, rest = parts[3], "\t".join(parts[4:])
        if message == "Parse":
            match = _PARSE.match(rest)
            parsed = match.group(2) if match else rest
            if match and match.group(1):
                named[match.group(1)] = parsed
        elif message == "Bind":
            # A prepared statement runs by name, parsed in an earlier message
            # (or before the trace began: then its name stands for it).
            match = _BIND.match(rest)
            name = match.group(1) if match else ""
            bound = named.get(name, f"EXECUTE {name}") if name else parsed
        elif message == "Execute":
            wire.statements.append(bound)
        elif message == "Query":
            text = rest.strip().strip('"')
            # The scope switch rides at the head of the statement it prepares
            # (instaply/db/postgresql/base.py): two statements in one message.
            if text.startswith(_SCOPE_HEAD) and "; " in text:
                scope, _, text = text.partition("; ")
                wire.statements.append(scope)
            wire.statements.append(text)
            wire.round_trips += 1
        elif message == "Sync":
            wire.round_trips += 1


@contextlib.contextmanager
def on_the_wire(connection):
    """Traces Django ``connection``'s PostgreSQL connection for the block.

    The block must keep that connection (the test client does; a request of a
    server returns it to the pool): a change fails the count rather than
    hiding what went over another connection."""
    connection.ensure_connection()
    raw, wire = connection.connection, Wire()
    with tempfile.TemporaryFile("w+") as trace:
        raw.pgconn.trace(trace.fileno())
        try:
            yield wire
        finally:
            raw.pgconn.untrace()  # flushes libpq's buffer into the file
            trace.seek(0)
            _read(trace.read(), wire, _prepared_names(raw))
    if connection.connection is not raw:
        raise RuntimeError("The connection changed during the count: it saw only part of it.")


def _prepared_names(raw) -> dict[str, str]:
    """The statements psycopg prepared on ``raw`` (instaply/db/postgresql/base.py),
    by name: one prepared before the trace began runs by its name alone."""
    names = getattr(getattr(raw, "_prepared", None), "_names", {})
    return {name.decode(): query.decode() for (query, _), name in names.items()}
