"""Rendered parts of the browse pages, cached per audience and catalog version.

Rendering two dozen cards costs far more than the queries behind them, so the HTML is what
is cached: the home page's rows, a genre page's grid, a search's results. The key carries the
profile's maturity ceiling (every profile of one audience sees the same part) and the catalog
version (any catalog save bumps it); the time to live never outlasts the first card whose
window closes or whose "last days" badge appears, so a cached part never shows a title the
query would not, or misses a badge it would show.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from django.conf import settings
from django.utils import timezone

from catalog import last_chance
from catalog.versions import catalog_version
from streaming_portal.infra.local_cache import LocalCache, cached_in_two_layers

MAX_PAGE = 10_000
# Bumped whenever what is stored changes shape, so a deploy never reads an older shape.
KEY_PREFIX = "browse:2:"
Part = TypeVar("Part")


class Windowed(Protocol):
    @property
    def availability_end(self) -> datetime: ...


def time_to_live(cards: Iterable[Windowed]) -> int:
    """BROWSE_CACHE_SECONDS, or less: until the first card changes what it shows."""
    now = timezone.now()
    changes = [
        moment
        for card in cards
        for moment in (card.availability_end, last_chance.starts_at(card.availability_end))
        if moment > now
    ]
    soonest = min(changes, default=now + timedelta(seconds=settings.BROWSE_CACHE_SECONDS))
    limit = int(settings.BROWSE_CACHE_SECONDS)
    return max(0, min(limit, int((soonest - now).total_seconds())))


def page_number(value: str | None) -> int:
    """The ?page= of a request as the key of a cached page: junk is page 1."""
    if value and value.isascii() and value.isdigit():
        return max(1, min(MAX_PAGE, int(value)))
    return 1


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Viewer(Protocol):
    @property
    def pk(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def avatar_colour(self) -> str: ...
    @property
    def maturity_ceiling(self) -> int | None: ...
    @property
    def is_kids(self) -> bool: ...


def shell_key(page: str, viewer: Viewer, *state: object) -> str:
    """The key of a page's cached shell for one viewer: everything the header shows of the
    profile (name, colour, ceiling, kids mode), plus the page's own ``state`` (versions,
    query, page)."""
    shown = (
        f"{viewer.pk}|{viewer.name}|{viewer.avatar_colour}|{viewer.maturity_ceiling}"
        f"|{viewer.is_kids}"
    )
    return f"shell:{page}:{viewer.pk}:{text_key(shown + '|' + '|'.join(map(str, state)))}"


def cached_part(
    *,
    name: str,
    ceiling: int | None,
    build: Callable[[], tuple[Part, Sequence[Windowed]]],
    version: int | None = None,
) -> Part:
    """What ``build`` renders (with the cards it shows), cached under ``name``.

    Two layers: this process's memory, then Redis. The key carries the catalog version
    (read once per request; pass it as ``version`` if the caller has it), so a copy in memory
    is never stale either; each copy keeps the time to live its cards allow.
    """
    key = f"{KEY_PREFIX}{name}:{ceiling}:{catalog_version() if version is None else version}"

    def built() -> tuple[Part, int]:
        value, cards = build()
        return value, time_to_live(cards)

    return cached_in_two_layers(_local, key, built, local_seconds=LOCAL_SECONDS)


# Parts are shared by audience, not by viewer: a few dozen cover every busy page.
LOCAL_PARTS = 256
# The longest a part stays in one process's memory: its key's version and its expiry rule,
# this only bounds how long an evicted Redis copy lives on in memory.
LOCAL_SECONDS = 30
_local = LocalCache(LOCAL_PARTS)
clear_local = _local.clear
