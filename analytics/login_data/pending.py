"""Route counts of this process, held in memory until the session's next
once-a-minute write (analytics.login_data.middleware).

Held per process: with several web processes, each one's counts reach the row
at that session's next minute mark in that process, or when the session ends
there. A count still held when a process stops is lost; they are statistics
of use, not a record of access (that is the audit log).
"""

import threading
from collections import Counter, OrderedDict

# A bound on memory: sessions that end elsewhere never take their counts back.
MAX_SESSIONS = 10_000

_lock = threading.Lock()
_pending: OrderedDict[str, Counter] = OrderedDict()


def add(session_id: str, tenant_key: str, route: str) -> None:
    with _lock:
        counts = _pending.get(session_id)
        if counts is None:
            counts = _pending[session_id] = Counter()
            while len(_pending) > MAX_SESSIONS:
                _pending.popitem(last=False)
        counts[(tenant_key, route)] += 1


def take(session_id: str) -> Counter:
    """The counts held for this session, removed from the buffer."""
    with _lock:
        return _pending.pop(session_id, Counter())


def merged(totals: dict | None, counts: Counter) -> dict:
    """``totals`` ({tenant: {route: n}}) plus the held counts, as a new dict."""
    result = {tenant: dict(routes) for tenant, routes in (totals or {}).items()}
    for (tenant, route), n in counts.items():
        routes = result.setdefault(tenant, {})
        routes[route] = routes.get(route, 0) + n
    return result


def clear() -> None:
    """For tests: forget everything held."""
    with _lock:
        _pending.clear()
