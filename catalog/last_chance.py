"""The one rule for "Last days to watch": a title in the last LAST_CHANCE_DAYS of its window.

The model's availability state, the cards' badge, the admin's filter and the page cache's
time to live all ask here, so the badge, the filter and the cache never disagree at the edge.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def window() -> timedelta:
    return timedelta(days=settings.LAST_CHANCE_DAYS)


def starts_at(availability_end: datetime) -> datetime:
    """When a title whose window closes at ``availability_end`` enters its last days."""
    return availability_end - window()


def is_last_chance(availability_end: datetime, at: datetime | None = None) -> bool:
    """In its last days at ``at`` (default now), and not yet gone."""
    at = at or timezone.now()
    return starts_at(availability_end) < at < availability_end
