"""The editorial history of a title, field by field: when, who, which field, from what, to what.

The triggers of catalog/models/history.py store each change as an event holding the tracked
fields as they became. A field's "from" is the same field in the previous event of the same
row, read in the same query with ``LAG`` over that row's events, so a page of history costs
one query per kind of row whatever its length: for a movie, the movie, its video (running
time, year), its streams, its captions, its markers and its genres; for a series, the series,
its seasons and its genres; for an episode, the episode, its video, streams, captions and
markers.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import F, Window
from django.db.models.functions import FirstValue, Lag
from django.utils import timezone

from catalog.models import (
    CaptionTrack,
    Episode,
    Movie,
    Season,
    Series,
    StreamSource,
    Video,
    VideoMarker,
)
from catalog.models import history as tracked
from streaming_portal.infra.actors import actor_name

EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    """One row of the history: ``field`` went from ``before`` to ``after`` (display text)."""

    at: datetime
    actor: str
    subject: str  # what the field belongs to: "" for the title itself, "Stream 1080p", …
    field: str
    before: str
    after: str
    long_text: bool = False  # a synopsis: shown as a word diff

    @property
    def what(self) -> str:
        return f"{self.subject}: {self.field}" if self.subject else self.field


@dataclass(frozen=True)
class HistoryPage:
    changes: list[FieldChange]
    has_more: bool


@dataclass(frozen=True)
class _Event:
    at: datetime
    rank: tuple[int, int]  # (the source's place, pgh_id): a stable order for equal times
    changes: list[FieldChange]


@dataclass(frozen=True)
class _Source:
    """One event model, read for one title: its events whose ``owner`` column is the title."""

    event_model: str
    tracked_model: type[models.Model]
    owner: str
    fields: tuple[str, ...]
    subject: Callable[[Any], str] = lambda event: ""
    name_field: str = ""  # a created or removed row is summed up by this field alone
    # Labels read (by LAG) but not shown: a movie's video row is created with the movie.
    unshown: tuple[str, ...] = (tracked.BASELINE,)

    def events(self, owner_id: Any, limit: int, place: int) -> list[_Event]:
        model = apps.get_model("catalog", self.event_model)
        over_row: dict[str, Any] = {"partition_by": [F("pgh_obj_id")], "order_by": "pgh_id"}
        rows = (
            model.objects.filter(**{self.owner: owner_id})
            .annotate(
                previous_id=Window(Lag("pgh_id"), **over_row),
                **{f"previous_{name}": Window(Lag(name), **over_row) for name in self.fields},
                # The label again, as a window: filtering on it happens after LAG has read
                # the rows left unshown (a plain WHERE would hide them from LAG).
                label=Window(FirstValue("pgh_label"), partition_by=[F("pgh_id")]),
            )
            .exclude(label__in=self.unshown)
            .order_by("-pgh_created_at", "-pgh_id")[:limit]
        )
        return [_Event(row.pgh_created_at, (place, row.pgh_id), self.changes(row)) for row in rows]

    def changes(self, row: Any) -> list[FieldChange]:
        at, actor, subject = row.pgh_created_at, actor_name(row.pgh_context), self.subject(row)
        if row.pgh_label == tracked.CREATED:
            return [FieldChange(at, actor, subject, "Created", EMPTY, self.summary(row))]
        if row.pgh_label == tracked.DELETED:
            return [FieldChange(at, actor, subject, "Removed", self.summary(row), EMPTY)]
        changes = []
        for name in self.fields:
            before, after = getattr(row, f"previous_{name}"), getattr(row, name)
            field: Any = self.tracked_model._meta.get_field(name)
            shown_before = (
                display(field, before) if row.previous_id is not None else "(not recorded)"
            )
            # Equal as shown: a difference no editor could see (a window's microseconds,
            # which the admin's form drops), so no row for it.
            if shown_before == display(field, after):
                continue
            changes.append(
                FieldChange(
                    at,
                    actor,
                    subject,
                    str(field.verbose_name).capitalize(),
                    shown_before,
                    display(field, after),
                    long_text=isinstance(field, models.TextField),
                )
            )
        return changes

    def summary(self, row: Any) -> str:
        """What a created or removed row was, in one line (a title: its name)."""
        if self.name_field:
            return str(getattr(row, self.name_field))
        parts = []
        for name in self.fields:
            field = self.tracked_model._meta.get_field(name)
            value = getattr(row, name)
            if isinstance(field, models.BooleanField):
                if value:
                    parts.append(str(field.verbose_name))
            elif value not in (None, ""):
                parts.append(display(field, value))
        return " · ".join(parts) or EMPTY


@dataclass(frozen=True)
class _GenreSource:
    event_model: str
    owner: str

    def events(self, owner_id: Any, limit: int, place: int) -> list[_Event]:
        model = apps.get_model("catalog", self.event_model)
        rows = (
            model.objects.filter(**{self.owner: owner_id})
            .select_related("genre")
            .order_by("-pgh_created_at", "-pgh_id")[:limit]
        )
        return [_Event(row.pgh_created_at, (place, row.pgh_id), [self.change(row)]) for row in rows]

    @staticmethod
    def change(row: Any) -> FieldChange:
        name = row.genre.name if row.genre is not None else "(a deleted genre)"
        added = row.pgh_label == tracked.GENRE_ADDED
        return FieldChange(
            row.pgh_created_at,
            actor_name(row.pgh_context),
            "",
            "Genres",
            EMPTY if added else name,
            name if added else EMPTY,
        )


def _stream_subject(row: Any) -> str:
    return f"Stream {row.quality_tag or '(single quality)'}"


def _caption_subject(row: Any) -> str:
    return f"Captions {display(CaptionTrack._meta.get_field('language_code'), row.language_code)}"


def _marker_subject(row: Any) -> str:
    return f"{VideoMarker.Kind(row.kind).label} marker"


def _season_subject(row: Any) -> str:
    return f"Season {row.number}"


_PLAYABLE = (
    _Source(
        "VideoEvent",
        Video,
        "pgh_obj_id",
        tracked.VIDEO_FIELDS,
        unshown=(tracked.BASELINE, tracked.CREATED),
    ),
    _Source("StreamSourceEvent", StreamSource, "video_id", tracked.STREAM_FIELDS, _stream_subject),
    _Source(
        "CaptionTrackEvent", CaptionTrack, "video_id", tracked.CAPTION_FIELDS, _caption_subject
    ),
    _Source("VideoMarkerEvent", VideoMarker, "video_id", tracked.MARKER_FIELDS, _marker_subject),
)
SOURCES: dict[type[models.Model], Sequence[_Source | _GenreSource]] = {
    Movie: (
        _Source("MovieEvent", Movie, "pgh_obj_id", tracked.TITLE_FIELDS, name_field="title"),
        *_PLAYABLE,
        _GenreSource("MovieGenreEvent", "movie_id"),
    ),
    Series: (
        _Source("SeriesEvent", Series, "pgh_obj_id", tracked.TITLE_FIELDS, name_field="title"),
        _Source("SeasonEvent", Season, "series_id", tracked.SEASON_FIELDS, _season_subject),
        _GenreSource("SeriesGenreEvent", "series_id"),
    ),
    Episode: (
        _Source("EpisodeEvent", Episode, "pgh_obj_id", tracked.EPISODE_FIELDS, name_field="title"),
        *_PLAYABLE,
    ),
}


def history_page(obj: Movie | Series | Episode, *, limit: int, offset: int = 0) -> HistoryPage:
    """The changes of ``limit`` events from the ``offset``-th newest on, newest first.

    One query per kind of row (see the module docstring), whatever the history's length; a
    later page reads more rows of each kind, not more queries.
    """
    events = [
        event
        for place, source in enumerate(SOURCES[type(obj)])
        for event in source.events(obj.pk, offset + limit + 1, place)
    ]
    events.sort(key=lambda event: (event.at, event.rank), reverse=True)
    shown = events[offset : offset + limit]
    return HistoryPage(
        [change for event in shown for change in event.changes], len(events) > offset + limit
    )


def display(field: Any, value: Any) -> str:
    """A stored value as an editor reads it: choice labels, local times, yes and no."""
    if value is None or value == "":
        return EMPTY
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


def word_diff(before: str, after: str, *, context: int = 6) -> list[tuple[str, str]]:
    """``after`` against ``before`` word by word, as (kind, text) pieces: "same", "removed",
    "added", and "gap" where more than ``context`` unchanged words on either side are left out.
    """
    old, new = before.split(), after.split()
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            words = old[i1:i2]
            first, last = not pieces, i2 == len(old)
            head = [] if first else words[:context]
            tail = [] if last else words[-context:]
            if len(words) > len(head) + len(tail):
                pieces += [("same", " ".join(head))] if head else []
                pieces.append(("gap", "…"))
                pieces += [("same", " ".join(tail))] if tail else []
            else:
                pieces.append(("same", " ".join(words)))
            continue
        if i2 > i1:
            pieces.append(("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(("added", " ".join(new[j1:j2])))
    return pieces
