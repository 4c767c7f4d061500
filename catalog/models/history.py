"""Editorial history: PostgreSQL triggers write an event row for every editorial change.

Why django-pghistory and not django-simple-history: simple-history records history from
``post_save`` signals, so a ``QuerySet.update()``, a bulk write or raw SQL leaves no trace;
the importer clears the primary-stream and default-caption flags with ``update()``
(catalog/importer.py), and any later ``update()`` on a title would be as invisible. It also
snapshots every field of the row by default (``search_document``, a GeneratedField, and the
encrypted stream URL included). pghistory's triggers fire on every write the database sees,
whatever wrote it, and only when one of the fields named here changes (an ``AnyChange``
condition), so a save that changes nothing editorial (``updated_at`` alone, a repeated
Publish) writes nothing. The triggers are installed by the catalog's migrations (pgtrigger),
and need nothing but plpgsql, which every PostgreSQL ships, the embedded one included.

Each event row holds the tracked fields as they became (``created``, ``changed``) or as they
were (``deleted``), with who did it in ``pgh_context`` (the JSON that
streaming_portal/infra/actors.py sets: the editor of an admin request, the command that ran
an import; none means "system"). The editorial history of a title is then the difference
between consecutive events of one row (catalog/history.py reads it field by field). Rows that
existed before tracking began got a ``baseline`` event in the migration, so their first
change still says what it changed from.

What is tracked, and what is not:

- titles (movies, series): their editorial fields; never ``search_document`` (generated),
  ``slug`` (never changes), nor the audit columns (the event's context says who);
- a movie's or episode's running time and year live on its Video row, tracked there;
- seasons and episodes: numbers, titles, synopses;
- streams: quality, DRM and the primary flag, never the URL: it is stored encrypted, and a
  key rotation rewrites every row, which would flood the history with noise;
- captions: language, URL, format and the default flag;
- intro, recap and credits markers: kind, start and end;
- genres added to and removed from a title (the M2M tables, through proxy models).
"""

from __future__ import annotations

from typing import Any

import pghistory
from django.db import models

from catalog.models.markers import VideoMarker
from catalog.models.media import CaptionTrack, StreamSource
from catalog.models.titles import Episode, Movie, Season, Series, Video

CREATED = "created"
CHANGED = "changed"
DELETED = "deleted"
# Written once by the migration that installed the triggers, for the rows already there.
BASELINE = "baseline"
GENRE_ADDED = "genre added"
GENRE_REMOVED = "genre removed"

TITLE_FIELDS = (
    "title",
    "synopsis",
    "poster_url",
    "maturity_rating",
    "availability_start",
    "availability_end",
    "visibility",
)
VIDEO_FIELDS = ("duration_minutes", "release_year")
SEASON_FIELDS = ("number", "title")
EPISODE_FIELDS = ("number", "title", "synopsis")
STREAM_FIELDS = ("quality_tag", "drm_required", "is_primary")
CAPTION_FIELDS = ("language_code", "caption_url", "format", "is_default")
MARKER_FIELDS = ("kind", "start_seconds", "end_seconds")


def _track(
    model: type[models.Model],
    name: str,
    fields: tuple[str, ...],
    *,
    deletes: bool,
    owner: str | None = None,
) -> None:
    """One event model, ``name``, for ``model``'s ``fields`` (and ``owner``, the foreign key a
    title's page filters by, copied into each event)."""
    trackers: list[pghistory.RowEvent] = [
        pghistory.InsertEvent(CREATED),
        pghistory.UpdateEvent(CHANGED, condition=pghistory.AnyChange(*fields)),
    ]
    if deletes:
        trackers.append(pghistory.DeleteEvent(DELETED))
    pghistory.track(
        *trackers,
        fields=[*([owner] if owner else []), *fields],
        model_name=name,
        obj_field=pghistory.ObjForeignKey(related_name="+", related_query_name="+"),
        context_field=pghistory.ContextJSONField(),
    )(model)


_track(Movie, "MovieEvent", TITLE_FIELDS, deletes=False)
_track(Series, "SeriesEvent", TITLE_FIELDS, deletes=False)
_track(Video, "VideoEvent", VIDEO_FIELDS, deletes=False)
_track(Season, "SeasonEvent", SEASON_FIELDS, deletes=True, owner="series")
_track(Episode, "EpisodeEvent", EPISODE_FIELDS, deletes=False)
_track(StreamSource, "StreamSourceEvent", STREAM_FIELDS, deletes=True, owner="video")
_track(CaptionTrack, "CaptionTrackEvent", CAPTION_FIELDS, deletes=True, owner="video")
_track(VideoMarker, "VideoMarkerEvent", MARKER_FIELDS, deletes=True, owner="video")


# The genre tables are Django's own M2M tables: a proxy of each carries its triggers.
_MovieGenres: Any = Movie.genres.through
_SeriesGenres: Any = Series.genres.through


@pghistory.track(
    pghistory.InsertEvent(GENRE_ADDED),
    pghistory.DeleteEvent(GENRE_REMOVED),
    fields=["movie", "genre"],
    obj_field=None,
    model_name="MovieGenreEvent",
    context_field=pghistory.ContextJSONField(),
)
class MovieGenre(_MovieGenres):
    class Meta:
        proxy = True


@pghistory.track(
    pghistory.InsertEvent(GENRE_ADDED),
    pghistory.DeleteEvent(GENRE_REMOVED),
    fields=["series", "genre"],
    obj_field=None,
    model_name="SeriesGenreEvent",
    context_field=pghistory.ContextJSONField(),
)
class SeriesGenre(_SeriesGenres):
    class Meta:
        proxy = True
