"""A bounded, time-limited, thread-safe cache of unwrapped keys in process memory.

Bounded so a process reading many contacts does not keep every key forever;
time-limited so a key destroyed by another process stops working here too.
"""

import threading
import time
from collections import OrderedDict


class KeyCache:
    def __init__(self, *, max_entries: int, ttl_seconds: float):
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            value, expires = entry
            if expires < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._entries[key] = (value, time.monotonic() + self.ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def evict(self, key) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
