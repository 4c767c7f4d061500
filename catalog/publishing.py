"""The publishing rules: what the streams and captions of a movie or an episode must satisfy.

Written once, here, and applied at three moments:

- while media rows are edited, before anything is saved: :func:`stream_rows_problems` and
  :func:`caption_rows_problems` take the rows' flags and languages as plain values, so the
  admin's inline formsets (the rows as submitted) and the importer's schema check (the rows
  as a record lists them) give the same messages;
- when a title is published: :func:`publishing_problems` reads the saved rows, and
  ``services.title_publish`` (the only way to make a title VISIBLE) refuses while it lists any;
- in the database: one primary stream, one default caption and one track per language per
  video are also unique constraints, the last word if two writers race.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch

from catalog.models import Episode, Movie, Series, StreamSource, Title, Video

PRIMARY_STREAM = "primary stream"
DEFAULT_CAPTION = "default caption track"


def stream_rows_problems(*, primary_flags: Sequence[bool], title_stays_visible: bool) -> list[str]:
    """What is wrong with one video's streams as a whole, given each row's ``is_primary``.

    ``title_stays_visible``: viewers can see the title and this edit leaves it so (the
    admin's inline edits; an import instead publishes or hides each title after writing its
    media, through ``title_publish``, so it passes False).
    """
    return _flag_problems(sum(primary_flags), PRIMARY_STREAM, title_stays_visible)


def caption_rows_problems(
    *,
    default_flags: Sequence[bool],
    language_codes: Sequence[str],
    title_stays_visible: bool,
) -> list[str]:
    """What is wrong with one video's captions as a whole: the ``is_default`` flags and the
    languages of its rows (as for :func:`stream_rows_problems`)."""
    problems = _flag_problems(sum(default_flags), DEFAULT_CAPTION, title_stays_visible)
    codes = [code for code in language_codes if code]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        problems.append(
            f"One caption track per language: {', '.join(repeated)} appears more than once."
        )
    return problems


def _flag_problems(marked: int, label: str, title_stays_visible: bool) -> list[str]:
    if marked > 1:
        return [f"Only one {label} is allowed; {marked} are marked."]
    if not marked and title_stays_visible:
        return [
            f"Viewers can see this title, so it needs a {label}. Hide the title first to remove it."
        ]
    return []


def playable_problems(video: Video, label: str) -> list[str]:
    """What stops one movie or episode from being published (uses prefetched rows if any)."""
    streams = list(video.stream_sources.all())
    captions = list(video.caption_tracks.all())
    problems = []
    if not any(stream.is_primary for stream in streams):
        problems.append(f"{label}: no primary stream")
    if not captions:
        problems.append(f"{label}: no caption track")
    elif sum(caption.is_default for caption in captions) != 1:
        problems.append(f"{label}: no default caption track")
    return problems


def publishing_problems(title: Title) -> list[str]:
    """Every reason ``title`` cannot become VISIBLE now; empty when it can."""
    if isinstance(title, Movie):
        return playable_problems(title, "The movie")
    if isinstance(title, Series):
        episodes = list(
            Episode.objects.filter(season__series=title)
            .select_related("season")
            .prefetch_related(
                Prefetch(
                    "stream_sources",
                    queryset=StreamSource.objects.only("id", "video_id", "is_primary"),
                ),
                "caption_tracks",
            )
        )
        if not episodes:
            return ["The series has no episodes"]
        return [
            problem
            for episode in episodes
            for problem in playable_problems(
                episode, f"S{episode.season.number}E{episode.number} “{episode.title}”"
            )
        ]
    raise TypeError(f"Not a title: {title!r}")
