"""Viewing activity: what one profile watched, newest first, a day at a time; and hiding it.

Read from the stored progress (one row per profile and video, written by the heartbeat flush,
so a title watched in the last minute or two shows after the next flush). Only titles the
profile may still play are listed (``playable_by``): one that left the catalog, or is rated
above the profile's ceiling, is not, and cannot be hidden either, as if it were not there.

Cost: two queries per page (the count and the page), whatever the size of the history.
Hiding is progress_hide's work (playback/progress.py), which also keeps a buffered or
claimed position from bringing a hidden title back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Profile
from catalog.models import Series, Video
from catalog.querysets import playable_by
from playback import rules
from playback.models import WatchProgress
from playback.progress import progress_hide
from streaming_portal.infra.origin import browser_url

PAGE_SIZE = 50


@dataclass(frozen=True)
class ActivityEntry:
    """One watched movie or episode, as its row shows it."""

    video_id: UUID
    title: str  # the movie, or the episode's series
    episode: str  # "S1:E2 · Its name" for an episode (rules.title_label), else ""
    title_url: str
    poster_url: str
    watched_at: datetime
    percent: int
    finished: bool

    @property
    def how_far(self) -> str:
        return "Finished" if self.finished else f"{self.percent}% watched"

    @property
    def poster(self) -> str:
        return browser_url(self.poster_url) if self.poster_url else ""


@dataclass
class ActivityDay:
    day: date
    entries: list[ActivityEntry] = field(default_factory=list)

    @property
    def label(self) -> str:
        today = timezone.localdate()
        if self.day == today:
            return "Today"
        if self.day == today - timedelta(days=1):
            return "Yesterday"
        return date_format(self.day, "l j F Y")


@dataclass(frozen=True)
class ActivityPage:
    page: Page[WatchProgress]
    days: list[ActivityDay]


def activity_rows(profile: Profile) -> QuerySet[WatchProgress]:
    """The profile's watched videos that it may still play, newest first, each with its
    movie or episode, season and series (one query when evaluated)."""
    return (
        WatchProgress.objects.filter(rules.watched_filter(), profile=profile)
        .filter(playable_by(profile, prefix="video__"))
        .select_related("video__movie", "video__episode__season__series")
        .order_by("-last_watched_timestamp", "video_id")
    )


def activity_page(profile: Profile, number: int) -> ActivityPage:
    """One page of the profile's activity, grouped by the local day it was last watched:
    two queries (the count and the page), none when the history is empty."""
    page = Paginator(activity_rows(profile), PAGE_SIZE).get_page(number)
    days: list[ActivityDay] = []
    for row in page.object_list:
        entry = _entry(row)
        day = timezone.localdate(entry.watched_at)
        if not days or days[-1].day != day:
            days.append(ActivityDay(day))
        days[-1].entries.append(entry)
    return ActivityPage(page=page, days=days)


def _entry(row: WatchProgress) -> ActivityEntry:
    video: Video = row.video
    label = rules.title_label(video)
    duration = video.duration_seconds
    percent = min(100, round(100 * row.progress_seconds / duration)) if duration else 0
    return ActivityEntry(
        video_id=row.video_id,
        title=label.title,
        episode=label.subtitle,
        title_url=label.title_url,
        poster_url=label.poster_url,
        watched_at=row.last_watched_timestamp,
        percent=percent,
        finished=row.is_finished,
    )


@dataclass(frozen=True)
class Hidden:
    """What a hide took away, for the page's confirmation: the title, and for an episode
    its series (the page then offers to hide the whole series)."""

    title: str
    series_id: UUID | None = None
    series_title: str = ""
    whole_series: bool = False


def activity_hide(*, profile: Profile, video_id: UUID) -> Hidden | None:
    """Hide one row of the profile's own activity. None, and nothing changed, when the
    profile has no such row that it may see (another profile's or household's title, a video
    that does not exist, one already hidden): one query, then progress_hide."""
    row = activity_rows(profile).filter(video_id=video_id).first()
    if row is None:
        return None
    progress_hide(profile=profile, video_ids=[row.video_id])
    label = rules.title_label(row.video)
    episode = getattr(row.video, "episode", None)
    if episode is None:
        return Hidden(title=label.title)
    series = episode.season.series
    return Hidden(
        title=f"{label.title} {label.subtitle}", series_id=series.pk, series_title=series.title
    )


def series_hide(*, profile: Profile, series_id: UUID) -> Hidden | None:
    """Hide every episode of a series from the profile's activity (the ones it has not
    watched are no-ops). None when the profile may not see the series: two queries, then
    progress_hide."""
    series = Series.objects.for_profile(profile).filter(pk=series_id).only("pk", "title").first()
    if series is None:
        return None
    episodes = Video.objects.for_profile(profile).filter(episode__season__series=series)
    progress_hide(profile=profile, video_ids=list(episodes.values_list("pk", flat=True)))
    return Hidden(
        title=series.title, series_id=series.pk, series_title=series.title, whole_series=True
    )
