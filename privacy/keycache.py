"""A bounded, time-limited, thread-safe cache of unwrapped keys in process memory.

Bounded so a process reading many contacts does not keep every key forever;
time-limited so a key destroyed by another process stops working here too.
A read takes no lock (a dict lookup is atomic in CPython) because it sits on the
path of every encrypted value; eviction is oldest-inserted first.

Values and expiry times sit in two dicts in the same order, oldest first. The
time to live being one for all, the oldest entry is always the first to
expire: ``fresh`` drops the expired ones from the front and hands out the
values, so a page of rows reads its keys without an expiry check each.
"""

import threading
import time


class KeyCache:
    def __init__(self, *, max_entries: int, ttl_seconds: float):
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self._values: dict = {}
        self._expiry: dict = {}  # key -> expiry on the monotonic clock, same order
        self._lock = threading.Lock()

    def fresh(self) -> dict:
        """key -> value of the entries not expired now, to read many keys at one
        moment without a call or an expiry check each (a page of rows). Read
        only; the entries that expire while it is read count as read in time."""
        now = time.monotonic()
        with self._lock:
            expiry = self._expiry
            while expiry:
                oldest = next(iter(expiry))
                if expiry[oldest] >= now:
                    break
                del expiry[oldest], self._values[oldest]
        return self._values

    def get(self, key):
        value = self._values.get(key)
        if value is None:
            return None
        if self._expiry.get(key, 0.0) < time.monotonic():
            self.evict(key)
            return None
        return value

    def put(self, key, value) -> None:
        with self._lock:
            self._values.pop(key, None)
            self._expiry.pop(key, None)
            self._values[key] = value
            self._expiry[key] = time.monotonic() + self.ttl
            while len(self._values) > self.max_entries:
                oldest = next(iter(self._values))
                del self._values[oldest], self._expiry[oldest]

    def evict(self, key) -> None:
        with self._lock:
            self._values.pop(key, None)
            self._expiry.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._expiry.clear()

    def __len__(self) -> int:
        return len(self._values)
