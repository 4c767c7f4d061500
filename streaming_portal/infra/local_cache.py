"""A small bounded map in this process's memory, each entry with its own expiry.

For values whose key names their version (a catalog version, a viewer's progress state): a
copy kept here can never be stale, only evicted, so a page finds it without a round trip
to Redis. It is the first layer; Redis, shared by every web node, is the second.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class LocalCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[str, tuple[float, Any]] = {}
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        entry = self.entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, value: Any, seconds: float) -> None:
        if seconds <= 0:
            return
        with self.lock:
            self.entries.pop(key, None)
            while len(self.entries) >= self.size:
                del self.entries[next(iter(self.entries))]  # the oldest in
            self.entries[key] = (time.monotonic() + seconds, value)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
