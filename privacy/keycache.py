"""A bounded, time-limited, thread-safe cache of unwrapped keys in process memory.

Bounded so a process reading many contacts does not keep every key forever;
time-limited so a key destroyed by another process stops working here too.
Reads take no lock (a dict lookup is atomic in CPython) because they sit on the
path of every encrypted value; eviction is oldest-inserted first.
"""

import threading
import time


class KeyCache:
    def __init__(self, *, max_entries: int, ttl_seconds: float):
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self._entries: dict = {}
        self._lock = threading.Lock()

    @property
    def entries(self) -> dict:
        """key -> (value, expiry on the monotonic clock), to read many keys at one
        moment without a call each (a page of rows). Read only; entries past
        their expiry are to be treated as absent."""
        return self._entries

    def get(self, key):
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] < time.monotonic():
            self.evict(key)
            return None
        return entry[0]

    def put(self, key, value) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (value, time.monotonic() + self.ttl)
            while len(self._entries) > self.max_entries:
                del self._entries[next(iter(self._entries))]

    def evict(self, key) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
