"""The declared schema of a catalog file, and the checks a file passes before any database work.

:func:`catalog.import_json.parse_document` turns a file's bytes into JSON values, bounded;
:func:`validate_document` checks those values against :data:`DOCUMENT`, the declaration
below, and lists every departure named by record and field::

    movies[2] “Alien”: release_year: expected an integer, got 2024.5.

Nothing is coerced: a boolean is not an integer, a float is not an integer, a list is not a
string (the field types are in :mod:`catalog.import_types`). String lengths are the model
fields' ``max_length``; integer ranges are the model fields' validators (which include the
database column's range). The rules across a movie's or episode's streams and captions are
the admin's (:mod:`catalog.publishing`). The importer (:mod:`catalog.importer`) writes only
a document that passed, and applies the rules that need the database (unique titles, known
genres, the publishing rule, a marker within the running time, a marker's end after its
start) through the admin's services and the models' own checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog import publishing
from catalog.import_types import (
    Boolean,
    Choice,
    DateTime,
    Errors,
    ImportFailed,
    Integer,
    ListOf,
    Record,
    Spec,
    Text,
)
from catalog.models import (
    CaptionTrack,
    Episode,
    Genre,
    MaturityRating,
    Movie,
    Season,
    Series,
    StreamSource,
    TrickplayTrack,
    VideoMarker,
    Visibility,
)

SCHEMA_VERSION = 1
RATING_BY_LABEL = {label: value for value, label in MaturityRating.choices}

# --- Bounds of the document (docs/catalog-import.md lists them) ------------------------------

MAX_SYNOPSIS = 10_000  # a TextField: no max_length of its own
MAX_STREAM_URL = 1_000  # the admin form's limit for the (encrypted, TextField) stream URL
# Video.duration_seconds is generated as minutes * 60 in an integer column: about 69 days
# keeps it far inside, and is longer than the longest film ever shown.
MAX_DURATION_MINUTES = 100_000
MAX_GENRES = 1_000
MAX_MOVIES = 20_000
MAX_SERIES = 5_000
MAX_GENRES_PER_TITLE = 50
MAX_SEASONS = 100
MAX_EPISODES = 1_000
MAX_STREAMS = 20
MAX_CAPTIONS = 200  # ISO 639-1 has 184 languages


# --- The declaration ------------------------------------------------------------------------


def _max_length(model: type[models.Model], name: str) -> int:
    length = model._meta.get_field(name).max_length  # type: ignore[union-attr]
    assert isinstance(length, int), f"{model.__name__}.{name} has no max_length"  # noqa: S101
    return length


def _range(
    model: type[models.Model], name: str, *, maximum: int | None = None, required: bool = False
) -> Integer:
    """An integer field bounded as the model field is: its validators and its column's range
    (and ``maximum``, where another column is computed from this one)."""
    validators = model._meta.get_field(name).validators  # type: ignore[union-attr]
    lows = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
    if maximum is not None:
        highs.append(maximum)
    return Integer(minimum=max(lows), maximum=min(highs), required=required)


GENRE_NAME = Text(max_length=_max_length(Genre, "name"), required=True, blank=False)

GENRE = Record(
    fields={"name": GENRE_NAME, "slug": Text(max_length=_max_length(Genre, "slug"))},
)

STREAM = Record(
    fields={
        "url": Text(max_length=MAX_STREAM_URL, required=True),
        "quality_tag": Text(max_length=_max_length(StreamSource, "quality_tag"), nullable=True),
        "drm_required": Boolean(),
        "is_primary": Boolean(),
    }
)

CAPTION = Record(
    fields={
        "language_code": Text(max_length=_max_length(CaptionTrack, "language_code"), required=True),
        "url": Text(max_length=_max_length(CaptionTrack, "caption_url"), required=True),
        "format": Choice(choices=tuple(CaptionTrack.Format.values), required=True),
        "is_default": Boolean(),
    }
)

# Only the times: that the end comes after the start and within the running time is the
# model's to say (its constraints and clean(), through services.marker_save), as in the admin.
MARKER = Record(
    fields={
        "kind": Choice(choices=tuple(VideoMarker.Kind.values), required=True),
        "start_seconds": _range(VideoMarker, "start_seconds", required=True),
        "end_seconds": _range(VideoMarker, "end_seconds", required=True),
    }
)

MEDIA: dict[str, Spec] = {
    "streams": ListOf(item=STREAM, max_items=MAX_STREAMS, unique="quality_tag", unique_nulls=True),
    # Captions are keyed by language too, but "one track per language" is a publishing rule:
    # _media_rules reports a repeat in the admin's words.
    "captions": ListOf(item=CAPTION, max_items=MAX_CAPTIONS),
    # One of each kind per video (the model's unique constraint, checked here before any
    # database work, like a stream's quality).
    "markers": ListOf(item=MARKER, max_items=len(VideoMarker.Kind), unique="kind"),
    # An editor's own thumbnails track, as the admin's inline takes it; null for none. Its
    # status, and a generated track, are the worker's and never in a file.
    "trickplay_url": Text(
        max_length=_max_length(TrickplayTrack, "trickplay_url"), nullable=True, blank=False
    ),
}


def _media_rules(record: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The rules across one movie's or episode's streams and captions, in the same words as
    the admin's inline formsets (catalog/publishing.py). Its visibility is the importer's
    to apply, through title_publish, once the media are written."""
    streams, captions = _objects(record.get("streams")), _objects(record.get("captions"))
    for problem in publishing.stream_rows_problems(
        primary_flags=[stream.get("is_primary") is True for stream in streams],
        title_stays_visible=False,
    ):
        yield "streams", problem
    for problem in publishing.caption_rows_problems(
        default_flags=[caption.get("is_default") is True for caption in captions],
        language_codes=[
            code for caption in captions if isinstance(code := caption.get("language_code"), str)
        ],
        title_stays_visible=False,
    ):
        yield "captions", problem


def _objects(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects of a list; nothing for a value of another type (reported elsewhere)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _title_fields(model: type[Movie] | type[Series]) -> dict[str, Spec]:
    """What movies and series share. A field left out keeps the title's current value."""
    return {
        "title": Text(max_length=_max_length(model, "title"), required=True, blank=False),
        "synopsis": Text(max_length=MAX_SYNOPSIS, multiline=True),
        "genres": ListOf(
            item=GENRE_NAME,
            min_items=1,
            max_items=MAX_GENRES_PER_TITLE,
            required=True,
            too_few="list at least one genre by name.",
        ),
        "maturity_rating": Choice(choices=tuple(RATING_BY_LABEL)),
        "poster_url": Text(max_length=_max_length(model, "poster_url")),
        "availability_start": DateTime(),
        "availability_end": DateTime(),
        "visibility": Choice(choices=tuple(Visibility.values)),
    }


MOVIE = Record(
    fields={
        **_title_fields(Movie),
        "duration_minutes": _range(
            Movie, "duration_minutes", maximum=MAX_DURATION_MINUTES, required=True
        ),
        "release_year": _range(Movie, "release_year", required=True),
        **MEDIA,
    },
    rules=(_media_rules,),
)

EPISODE = Record(
    fields={
        "number": _range(Episode, "number", required=True),
        "title": Text(max_length=_max_length(Episode, "title")),
        "synopsis": Text(max_length=MAX_SYNOPSIS, multiline=True),
        "duration_minutes": _range(Episode, "duration_minutes", maximum=MAX_DURATION_MINUTES),
        "release_year": _range(Episode, "release_year"),
        **MEDIA,
    },
    rules=(_media_rules,),
)

SEASON = Record(
    fields={
        "number": _range(Season, "number", required=True),
        "title": Text(max_length=_max_length(Season, "title")),
        "episodes": ListOf(item=EPISODE, max_items=MAX_EPISODES, unique="number"),
    }
)

SERIES = Record(
    fields={
        **_title_fields(Series),
        "seasons": ListOf(item=SEASON, max_items=MAX_SEASONS, unique="number"),
    }
)

DOCUMENT = Record(
    fields={
        "version": Integer(minimum=SCHEMA_VERSION, maximum=SCHEMA_VERSION),
        "genres": ListOf(item=GENRE, max_items=MAX_GENRES, unique="name"),
        "movies": ListOf(item=MOVIE, max_items=MAX_MOVIES, unique="title"),
        "series": ListOf(item=SERIES, max_items=MAX_SERIES, unique="title"),
    }
)


def validate_document(data: Any) -> None:
    """Raise ImportFailed listing every way ``data`` departs from the schema."""
    if not isinstance(data, Mapping):
        raise ImportFailed(["The file must hold a JSON object with genres, movies and series."])
    version = data.get("version", SCHEMA_VERSION)
    if type(version) is not int or version != SCHEMA_VERSION:
        raise ImportFailed([f"version: only schema version {SCHEMA_VERSION} is supported."])
    errors = Errors()
    DOCUMENT.check_record(data, "", errors)
    if errors.total:
        raise errors.failure()
