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
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from catalog import last_chance
from catalog.versions import catalog_version

MAX_PAGE = 10_000


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


def cached_part(
    *, name: str, ceiling: int | None, build: Callable[[], tuple[str, list[Windowed]]]
) -> str:
    """The HTML ``build`` renders (with the cards it shows), cached under ``name``."""
    key = f"browse:{name}:{ceiling}:{catalog_version()}"
    cached: str | None = cache.get(key)
    if cached is not None:
        return cached
    html, cards = build()
    timeout = time_to_live(cards)
    if timeout > 0:
        cache.set(key, html, timeout)
    return html
