"""A profile's stored-progress version: a stamp in Redis that moves whenever its WatchProgress
rows change (a flush, a forget, a hide). Whatever caches a reading of those rows keys on it.

Its own module, below both readers: playback/progress.py (Continue watching) and
playback/recommendations.py ("Because you watched"), which progress.py re-exports for the
catalog, import it, and neither imports the other's way back.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache


def progress_version_key(profile_id: int) -> str:
    return f"progress-version:{profile_id}"


def progress_version_keys(profile_ids: Iterable[int]) -> tuple[list[str], int]:
    """The raw Redis keys of these profiles' progress versions and a new stamp for them: the
    flush sets them in the script that releases its batch, in the same round trip (it is
    progress_changed, for a writer that speaks to Redis directly)."""
    return [cache.make_key(progress_version_key(pk)) for pk in set(profile_ids)], time.time_ns()


def progress_changed(profile_ids: Iterable[int]) -> None:
    """Stored progress changed for these profiles (flush, forget, hide): their cached rows go."""
    stamp = time.time_ns()
    cache.set_many({progress_version_key(pk): stamp for pk in set(profile_ids)}, timeout=None)
