"""The catalog's version: a counter any catalog save bumps (catalog/signals.py), part of every
cached page part's key, so a cached part is never read after the catalog changed."""

from __future__ import annotations

import time

from django.core.cache import cache

CATALOG_VERSION_KEY = "browse:catalog-version"


def catalog_version() -> int:
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        first = _first_version()
        cache.add(CATALOG_VERSION_KEY, first, timeout=None)
        return int(cache.get(CATALOG_VERSION_KEY) or first)
    return int(version)


def bump_catalog_version() -> None:
    """Called when the catalog changes, so cached rows are rebuilt on the next visit."""
    try:
        cache.incr(CATALOG_VERSION_KEY)
    except ValueError:
        cache.add(CATALOG_VERSION_KEY, _first_version(), timeout=None)


def _first_version() -> int:
    """A counter that Redis lost (a flush, a restart without its data) starts again from the
    clock in microseconds, past any number it reached before: a web node's own copy of a
    part, keyed by an old version, can never be taken for the new catalog's."""
    return time.time_ns() // 1000
