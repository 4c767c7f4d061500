"""Watch progress for the viewer pages: Continue watching, per-title progress, forgetting a
title. (Writing it is the heartbeat flush's job: playback/flush.py.)"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from accounts.models import Profile
from catalog.models import Video
from catalog.querysets import playable_by
from catalog.versions import CATALOG_VERSION_KEY
from playback import live, rules
from playback.models import WatchProgress
from playback.progress_versions import progress_changed, progress_version_key
from playback.recommendations import because_you_watched  # noqa: F401 - catalog/progress_source.py
from streaming_portal.infra.origin import browser_url

ROW_SIZE = 20


@dataclass(frozen=True)
class ProgressEntry:
    video_id: UUID
    title: str
    subtitle: str
    poster_url: str
    title_url: str
    progress_seconds: int
    duration_seconds: int
    closes_at: float  # when the title leaves the catalog: a cached row never outlives it

    @property
    def percent(self) -> int:
        if not self.duration_seconds:
            return 0
        return min(100, round(100 * self.progress_seconds / self.duration_seconds))

    @property
    def remaining_label(self) -> str:
        minutes = max(0, self.duration_seconds - self.progress_seconds) // 60
        return f"{minutes} min left"

    @property
    def poster(self) -> str:
        return browser_url(self.poster_url) if self.poster_url else ""


@dataclass(frozen=True)
class StoredProgress:
    """One stored WatchProgress row with what its card shows; cached per profile."""

    video_id: UUID
    at: float
    position: float
    video: Video
    closes_at: float  # the title's availability_end: the cache never outlives it


def _stored_progress(profile: Profile) -> list[StoredProgress]:
    """The profile's Continue watching rows from PostgreSQL: one query, then cached.

    The cache key carries the catalog version (any catalog edit) and the profile's progress
    version (every flush or forget that touched this profile), so it is never stale; its
    time to live ends before the first of its titles leaves the catalog.
    """
    version_key = progress_version_key(profile.pk)
    versions = cache.get_many([CATALOG_VERSION_KEY, version_key])
    key = (
        f"continue:{profile.pk}:{profile.maturity_ceiling}:"
        f"{versions.get(CATALOG_VERSION_KEY, 0)}:{versions.get(version_key, 0)}"
    )
    cached: list[StoredProgress] | None = cache.get(key)
    if cached is not None:
        return cached
    rows = (
        WatchProgress.objects.filter(rules.continue_watching_filter(), profile=profile)
        .filter(playable_by(profile, prefix="video__"))
        .select_related("video__movie", "video__episode__season__series")
        .order_by("-last_watched_timestamp")[:ROW_SIZE]
    )
    stored = [
        StoredProgress(
            video_id=row.video_id,
            at=row.last_watched_timestamp.timestamp(),
            position=row.progress_seconds,
            video=row.video,
            closes_at=_title_of(row.video).availability_end.timestamp(),
        )
        for row in rows
    ]
    now = time.time()
    soonest = min((entry.closes_at for entry in stored), default=now + 3600)
    timeout = int(min(settings.BROWSE_CACHE_SECONDS, soonest - now))
    if timeout > 0:
        cache.set(key, stored, timeout)
    return stored


@dataclass(frozen=True)
class ContinueWatchingState:
    """What Continue watching depends on: the catalog version (which a page needs anyway),
    and a key that changes with it, with the profile's stored progress version and with
    its buffered positions. A page that caches the row keys on ``key``, so a flush, a
    forget, a catalog edit or a heartbeat shows at once."""

    catalog_version: int
    key: str


def continue_watching_state(profile: Profile, *, also: Sequence[str] = ()) -> ContinueWatchingState:
    """One round trip to Redis. Redis away: a key that is never the same twice, so nothing
    cached is reused and the page is built afresh.

    ``also`` names more integer versions (cache keys) the caller's page depends on (the
    profile's library version); they are read in the same round trip and join the key.
    """
    version_keys = [CATALOG_VERSION_KEY, progress_version_key(profile.pk), *also]
    try:
        buffered, raw = live.buffered_fingerprint(
            profile.pk, also_get=[cache.make_key(key) for key in version_keys]
        )
    except live.UNAVAILABLE:
        return ContinueWatchingState(catalog_version=0, key=f"unavailable-{time.time_ns()}")
    # The versions are plain integers (django-redis stores an int as its digits).
    catalog, *versions = (int(value) if value is not None else 0 for value in raw)
    return ContinueWatchingState(
        catalog_version=catalog, key=":".join(map(str, [catalog, *versions, buffered]))
    )


def continue_watching_seconds(entries: Iterable[ProgressEntry]) -> int:
    """How long a page showing these entries may be cached: BROWSE_CACHE_SECONDS, or less
    when one of their titles leaves the catalog sooner."""
    now = time.time()
    soonest = min((entry.closes_at for entry in entries), default=now + 3600)
    return max(0, int(min(settings.BROWSE_CACHE_SECONDS, soonest - now)))


def continue_watching(profile: Profile) -> list[ProgressEntry]:
    """The profile's unfinished titles, newest first, that it may still play.

    Merges PostgreSQL (cached, see _stored_progress) with the Redis buffer, so a title
    watched a moment ago shows at once; one more query only when the buffer holds titles
    the stored rows do not.
    """
    try:
        buffered = live.buffered_for_profile(profile.pk)
    except live.UNAVAILABLE:
        buffered = {}  # Redis is away: the stored rows alone, a little behind, not a 500
    latest: dict[UUID, tuple[float, float, Video]] = {
        entry.video_id: (entry.at, entry.position, entry.video)
        for entry in _stored_progress(profile)
    }
    missing = [video_id for video_id in buffered if video_id not in latest]
    if missing:
        for video in (
            Video.objects.filter(pk__in=missing)
            .filter(playable_by(profile))
            .select_related("movie", "episode__season__series")
        ):
            entry = buffered[video.pk]
            latest[video.pk] = (entry.at_ms / 1000, entry.position, video)
    for video_id, entry in buffered.items():
        if video_id in latest and entry.at_ms / 1000 > latest[video_id][0]:
            latest[video_id] = (entry.at_ms / 1000, entry.position, latest[video_id][2])
    shown = [
        (at, _entry(video, int(position)))
        for at, position, video in latest.values()
        if rules.counts_for_continue_watching(position, video.duration_seconds)
    ]
    shown.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in shown[:ROW_SIZE]]


def _title_of(video: Video) -> Any:
    movie = getattr(video, "movie", None)
    return movie if movie is not None else video.episode.season.series


def _entry(video: Video, progress_seconds: int) -> ProgressEntry:
    label = rules.title_label(video)
    return ProgressEntry(
        video_id=video.pk,
        title=label.title,
        subtitle=label.subtitle,
        poster_url=label.poster_url,
        title_url=label.title_url,
        progress_seconds=progress_seconds,
        duration_seconds=video.duration_seconds,
        closes_at=_title_of(video).availability_end.timestamp(),
    )


def progress_by_video(profile: Profile, video_ids: list[UUID]) -> dict[UUID, WatchProgress]:
    """This profile's progress for the given videos, keyed by video id: one query. A row that
    says nothing was watched (a hidden title's, see progress_hide) is left out."""
    return {
        row.video_id: row
        for row in WatchProgress.objects.filter(
            rules.watched_filter(), profile=profile, video_id__in=video_ids
        )
    }


def progress_forget(*, profile: Profile, video_id: UUID) -> int:
    """Drop this profile's progress for one video (the row leaves Continue watching)."""
    return progress_hide(profile=profile, video_ids=[video_id])


# A row dated at the hide, at 0 and unfinished, for each video a flush had claimed: the
# flush's upsert only ever replaces an older row, so the old position it may hold in memory
# cannot come back over it (a video that no longer exists is skipped, as the flush skips it).
KEEP_HIDDEN = """
INSERT INTO playback_watchprogress
    (profile_id, video_id, last_watched_timestamp, progress_seconds, is_finished)
SELECT %(profile)s, video.id, %(at)s, 0, false
FROM catalog_video video
WHERE video.id = ANY(%(videos)s::uuid[])
ON CONFLICT (profile_id, video_id) DO UPDATE SET
    last_watched_timestamp = EXCLUDED.last_watched_timestamp,
    progress_seconds = 0,
    is_finished = false
WHERE playback_watchprogress.last_watched_timestamp < EXCLUDED.last_watched_timestamp
"""


def progress_hide(*, profile: Profile, video_ids: Collection[UUID]) -> int:
    """Forget this profile's progress in these videos: they leave Continue watching and the
    viewing activity, and play from the start. One Redis script, then one transaction of
    one or two statements; the number of rows removed or reset.

    Against the heartbeat flush: the script takes the positions out of the buffer and out of
    any batch a flush has claimed, and dates a marker at the hide, so a report still on its
    way is refused (playback/live_scripts.py, HIDE). A flush that had already read a batch
    holding one of them could still write the old position after the DELETE; for those
    videos a row dated at the hide is kept instead (KEEP_HIDDEN), which that write cannot
    overwrite. Watching again after the hide is new progress, and shows again.
    """
    at_ms = int(time.time() * 1000)
    claimed = live.positions_hide(profile.pk, video_ids, at_ms=at_ms)
    with transaction.atomic():
        deleted, _ = WatchProgress.objects.filter(profile=profile, video_id__in=video_ids).delete()
        kept = 0
        if claimed:
            with connection.cursor() as cursor:
                cursor.execute(
                    KEEP_HIDDEN,
                    {
                        "profile": profile.pk,
                        "at": datetime.fromtimestamp(at_ms / 1000, tz=UTC),
                        "videos": sorted(claimed),
                    },
                )
                kept = cursor.rowcount
    progress_changed([profile.pk])
    return int(deleted) + kept
