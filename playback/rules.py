"""The playback rules with one owner each: finished, Continue watching's threshold, and how
a playable is named on screen. Everything else imports them from here."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q

from catalog.models import Video


def is_finished(position: float, duration: int) -> bool:
    """Watched to FINISHED_FRACTION (95 %) of the running time: the next play starts over."""
    return bool(position >= duration * settings.FINISHED_FRACTION)


def finished_percent() -> int:
    """The same rule in whole percent, for completion figures (ViewingSession)."""
    return round(float(settings.FINISHED_FRACTION) * 100)


def counts_for_continue_watching(position: float, duration: int) -> bool:
    """30 s or 5 % of the running time, whichever comes first (settings), and not finished."""
    if is_finished(position, duration):
        return False
    return bool(
        position >= settings.CONTINUE_WATCHING_MIN_SECONDS
        or position >= duration * settings.CONTINUE_WATCHING_MIN_FRACTION
    )


def continue_watching_filter() -> Q:
    """``counts_for_continue_watching`` on WatchProgress rows (``is_finished`` holds the rest)."""
    return Q(is_finished=False) & (
        Q(progress_seconds__gte=settings.CONTINUE_WATCHING_MIN_SECONDS)
        | Q(
            progress_seconds__gte=F("video__duration_seconds")
            * settings.CONTINUE_WATCHING_MIN_FRACTION
        )
    )


@dataclass(frozen=True)
class TitleLabel:
    """How a playable is named on screen: the title, and for an episode "S1:E2 · Its name"."""

    title: str
    subtitle: str
    title_url: str
    poster_url: str


def title_label(video: Video) -> TitleLabel:
    """Reads video.movie or video.episode.season.series: select_related them first."""
    movie = getattr(video, "movie", None)
    if movie is not None:
        return TitleLabel(movie.title, "", movie.get_absolute_url(), movie.poster_url)
    episode = video.episode
    series = episode.season.series
    return TitleLabel(
        series.title,
        f"S{episode.season.number}:E{episode.number} · {episode.title}",
        series.get_absolute_url(),
        series.poster_url,
    )


def watched_filter() -> Q:
    """A WatchProgress row that says the profile watched the video (viewing activity, and what
    "Because you watched" starts from and leaves out): some progress, or finished. A row that
    playback.progress keeps for a hidden title, while a flush could still bring the old
    position back, is at 0 and unfinished, so it is never "watched"."""
    return Q(progress_seconds__gt=0) | Q(is_finished=True)
