"""A small bounded map in this process's memory, each entry with its own expiry.

For values whose key names their version (a catalog version, a viewer's progress state): a
copy kept here can never be stale, only evicted, so a page finds it without a round trip
to Redis. It is the first layer; Redis, shared by every web node, is the second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

Value = TypeVar("Value")


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


def cached_in_two_layers(
    local: LocalCache, key: str, build: Callable[[], tuple[Value, int]], *, local_seconds: float
) -> Value:
    """``key``'s value: this process's copy, else Redis's, else ``build()``'s (which returns
    the value and its time to live in seconds; 0: not cached). Redis keeps the value with its
    expiry, so the copy made in memory from it expires when Redis's does; ``local_seconds``
    bounds how long a copy lives on in memory after Redis evicted its own."""
    found: Value | None = local.get(key)
    if found is not None:
        return found
    stored: tuple[float, Value] | None = cache.get(key)
    if stored is not None:
        expires_at, value = stored
        local.put(key, value, min(expires_at - time.time(), local_seconds))
        return value
    value, timeout = build()
    if timeout > 0:
        cache.set(key, (time.time() + timeout, value), timeout)
        local.put(key, value, min(timeout, local_seconds))
    return value
