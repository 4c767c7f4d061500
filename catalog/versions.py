"""The catalog's version: a counter any catalog save bumps (catalog/signals.py), part of every
cached page part's key, so a cached part is never read after the catalog changed."""

from __future__ import annotations

from django.core.cache import cache

CATALOG_VERSION_KEY = "browse:catalog-version"


def catalog_version() -> int:
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, 1, timeout=None)
        return 1
    return int(version)


def bump_catalog_version() -> None:
    """Called when the catalog changes, so cached rows are rebuilt on the next visit."""
    try:
        cache.incr(CATALOG_VERSION_KEY)
    except ValueError:
        cache.add(CATALOG_VERSION_KEY, 2, timeout=None)
