"""The declared schema of a catalog file, and the checks a file passes before any database work.

:func:`catalog.import_json.parse_document` turns a file's bytes into JSON values, bounded;
:func:`validate_document` checks those values against :data:`DOCUMENT`, the declaration
below, and lists every departure named by record and field::

    movies[2] “Alien”: release_year: expected an integer, got 2024.5.

Nothing is coerced: a boolean is not an integer, a float is not an integer, a list is not a
string. String lengths are the model fields' ``max_length``; integer ranges are the model
fields' validators (which include the database column's range). The importer
(:mod:`catalog.importer`) writes only a document that passed, and applies the rules that need
the database (unique titles, known genres, the publishing rule) through the admin's services.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.dateparse import parse_datetime

from catalog import publishing
from catalog.models import (
    CaptionTrack,
    Episode,
    Genre,
    MaturityRating,
    Movie,
    Season,
    Series,
    StreamSource,
    Visibility,
)

SCHEMA_VERSION = 1
RATING_BY_LABEL = {label: value for value, label in MaturityRating.choices}

# --- Bounds (docs/catalog-import.md lists them) ---------------------------------------------

# More digits than any field's range allows, and far below sys.get_int_max_str_digits().
MAX_INTEGER_DIGITS = 20
MAX_SYNOPSIS = 10_000  # a TextField: no max_length of its own
MAX_STREAM_URL = 1_000  # the admin form's limit for the (encrypted, TextField) stream URL
MAX_DATETIME = 64
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
MAX_LISTED_ERRORS = 100


# --- Errors -----------------------------------------------------------------------------------


class ImportFailed(Exception):  # noqa: N818 - reads as a sentence: raise ImportFailed(errors)
    """Nothing was written; ``errors`` lists why (at most MAX_LISTED_ERRORS, then a count)."""

    def __init__(self, errors: list[str], *, total: int | None = None) -> None:
        self.total = len(errors) if total is None else total
        super().__init__(f"{self.total} error(s)")
        self.errors = errors


class FileRefused(ImportFailed):
    """The file as a whole cannot be read as a catalog: its size, encoding, syntax or depth.

    ``reason`` completes a sentence that starts with the file's name: "… is not UTF-8 text".
    """

    def __init__(self, reason: str) -> None:
        super().__init__([f"The file {reason}"])
        self.reason = reason


class Errors:
    """Collects messages named by record path and field, e.g. movies[2] “Alien”: title: …"""

    def __init__(self, limit: int = MAX_LISTED_ERRORS) -> None:
        self.messages: list[str] = []
        self.total = 0
        self.limit = limit

    def add(self, where: str, field_name: str | None, message: str) -> None:
        self.total += 1
        if len(self.messages) < self.limit:
            parts = [part for part in (where, field_name) if part]
            self.messages.append(": ".join([*parts, message]))

    def add_validation(self, where: str, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field_name, messages in error.message_dict.items():
                for message in messages:
                    self.add(where, None if field_name == NON_FIELD_ERRORS else field_name, message)
        else:
            for message in error.messages:
                self.add(where, None, message)

    def failure(self) -> ImportFailed:
        more = self.total - len(self.messages)
        listed = self.messages + ([f"… and {more} more error(s) not listed."] if more else [])
        return ImportFailed(listed, total=self.total)


# --- Describing values in messages ----------------------------------------------------------


@dataclass(frozen=True)
class Unrepresentable:
    """A JSON number (or a non-JSON constant) that no field accepts, kept out of int()/float().

    The parser puts one in the value's place, so the error can still name record and field.
    """

    description: str
    digits: int = 0


def clip(text: str, limit: int = 60) -> str:
    """``text`` for a message: non-printable characters escaped, at most ``limit`` long."""
    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text[: limit + 1])
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def show(value: Any) -> str:
    """A key's value as a message quotes it: 'Alien', 7, null."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(clip(value, 80))
    return describe(value)


def describe(value: Any) -> str:  # noqa: PLR0911 - one return per kind of value
    """What a value is, for "expected …, got …" (never the whole of a huge value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "a number too large to represent"
    if isinstance(value, str):
        return f"the string {show(value)}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Unrepresentable):
        return value.description
    return f"a Python {type(value).__name__}"


def _integer(value: int) -> str:
    if abs(value) < 10**MAX_INTEGER_DIGITS:
        return str(value)
    return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"


def place(base: str, index: int, record: Any) -> str:
    """Where a record sits, named by its title or name: ``movies[2] “Alien”``."""
    where = f"{base}[{index}]"
    if isinstance(record, Mapping):
        label = record.get("title") or record.get("name")
        if isinstance(label, str) and label.strip():
            where += f" “{clip(label.strip())}”"
    return where


# --- The declaration's building blocks ------------------------------------------------------

# Characters no catalog text holds: C0 and C1 controls, DEL, line and paragraph separators
# and lone surrogates (which PostgreSQL and UTF-8 cannot store). A synopsis may hold line
# breaks and tabs.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _character(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return f"a lone UTF-16 surrogate ({code}), which is not a character"
    return f"the control character {code}"


@dataclass(frozen=True, kw_only=True)
class Spec:
    """One field's declared type. ``check`` adds an error for each way a value departs."""

    required: bool = False

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Text(Spec):
    max_length: int
    nullable: bool = False
    multiline: bool = False
    blank: bool = True

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        if value is None and self.nullable:
            return
        if not isinstance(value, str):
            nullable = " or null" if self.nullable else ""
            errors.add(where, name, f"expected a string{nullable}, got {describe(value)}.")
            return
        if len(value) > self.max_length:
            errors.add(
                where,
                name,
                f"is {len(value):,} characters long; at most {self.max_length:,} are allowed.",
            )
            return
        bad = (_NOT_IN_TEXT if self.multiline else _NOT_IN_A_LINE).search(value)
        if bad:
            errors.add(
                where, name, f"contains {_character(bad.group())} at character {bad.start() + 1}."
            )
        elif not self.blank and not value.strip():
            errors.add(where, name, "must not be blank.")


@dataclass(frozen=True, kw_only=True)
class Integer(Spec):
    minimum: int
    maximum: int

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        between = f"must be between {self.minimum} and {self.maximum}"
        if isinstance(value, Unrepresentable) and value.digits:
            errors.add(where, name, f"{between}, got {value.description}.")
        elif isinstance(value, bool) or not isinstance(value, int):
            errors.add(where, name, f"expected an integer, got {describe(value)}.")
        elif not self.minimum <= value <= self.maximum:
            errors.add(where, name, f"{between}, got {_integer(value)}.")


@dataclass(frozen=True, kw_only=True)
class Boolean(Spec):
    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        if not isinstance(value, bool):
            errors.add(where, name, f"expected true or false, got {describe(value)}.")


@dataclass(frozen=True, kw_only=True)
class Choice(Spec):
    choices: tuple[str, ...]

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        if not isinstance(value, str):
            errors.add(where, name, f"expected a string, got {describe(value)}.")
        elif value not in self.choices:
            errors.add(where, name, f"must be one of {', '.join(self.choices)}; got {show(value)}.")


def parse_aware_datetime(value: str) -> datetime:
    """An ISO 8601 date-time with a time zone. ValueError if it is not one; OverflowError if
    UTC cannot represent it (year 1 at +05:00, year 9999 at -05:00)."""
    parsed = parse_datetime(value)  # ValueError for a well-formed but impossible date
    if parsed is None or parsed.utcoffset() is None:
        raise ValueError(value)
    parsed.astimezone(UTC)
    return parsed


@dataclass(frozen=True, kw_only=True)
class DateTime(Spec):
    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        expected = "must be an ISO 8601 date-time with a time zone"
        if not isinstance(value, str):
            errors.add(where, name, f"{expected}, got {describe(value)}.")
            return
        try:
            if len(value) > MAX_DATETIME:
                raise ValueError(value)
            parse_aware_datetime(value)
        except ValueError:
            errors.add(where, name, f"{expected}, got {show(value)}.")
        except OverflowError:
            errors.add(where, name, f"{show(value)} is out of range once converted to UTC.")


@dataclass(frozen=True, kw_only=True)
class Record:
    """A JSON object with declared fields; any other field is an error (a typo, most often)."""

    fields: Mapping[str, Spec]
    # Rules across fields, beyond each field's own type: each yields (field, message) for
    # every way a record breaks it. A rule skips ill-typed values: the fields report those.
    rules: tuple[Callable[[Mapping[str, Any]], Iterable[tuple[str, str]]], ...] = ()

    def check_record(self, value: Any, where: str, errors: Errors) -> None:
        if not isinstance(value, Mapping):
            errors.add(where, None, f"expected a JSON object, got {describe(value)}.")
            return
        for key in getattr(value, "repeated_keys", ()):
            errors.add(where, clip(key), "appears more than once in the same object.")
        unknown = [key for key in value if key not in self.fields]
        if unknown:
            listed = ", ".join(show(key) for key in unknown[:10])
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            errors.add(where or "file", None, f"unknown field(s): {listed}{more}.")
        for name, spec in self.fields.items():
            if name in value:
                spec.check(value[name], where, name, errors)
            elif spec.required:
                errors.add(where, name, "is required.")
        for rule in self.rules:
            for name, message in rule(value):
                errors.add(where, name, message)


@dataclass(frozen=True, kw_only=True)
class ListOf(Spec):
    """A list of values or of records; ``unique`` names the records' natural key."""

    item: Spec | Record
    max_items: int
    min_items: int = 0
    too_few: str = ""
    unique: str | None = None
    unique_nulls: bool = False  # null is a key too (one single-quality stream per video)

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        if not isinstance(value, list):
            errors.add(where, name, f"expected a list, got {describe(value)}.")
            return
        if len(value) > self.max_items:
            errors.add(
                where, name, f"has {len(value):,} items; at most {self.max_items:,} are allowed."
            )
            return
        if len(value) < self.min_items:
            errors.add(where, name, self.too_few or f"needs at least {self.min_items} item(s).")
            return
        base = f"{where} {name}" if where else name
        for index, item in enumerate(value):
            if isinstance(self.item, Record):
                self.item.check_record(item, place(base, index, item), errors)
            else:
                self.item.check(item, where, f"{name}[{index}]", errors)
        if self.unique:
            self._refuse_repeats(base, value, self.unique, errors)

    def _refuse_repeats(self, base: str, items: list[Any], key: str, errors: Errors) -> None:
        """A natural key twice in one file would silently merge two records: refuse it."""
        seen: dict[Any, int] = {}
        for position, item in enumerate(items):
            if not isinstance(item, Mapping) or (key not in item and not self.unique_nulls):
                continue
            value = item.get(key)
            if isinstance(value, str):
                folded: Any = value.strip().casefold()
            elif value is None and self.unique_nulls:
                folded = None
            elif isinstance(value, int) and not isinstance(value, bool):
                folded = value
            else:
                continue  # the wrong type: already reported
            if folded in seen:
                case = " (keys ignore case)" if isinstance(value, str) else ""
                errors.add(
                    f"{base}[{position}]",
                    key,
                    f"{show(value)} repeats {base}[{seen[folded]}]{case}.",
                )
            seen.setdefault(folded, position)


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

MEDIA: dict[str, Spec] = {
    "streams": ListOf(item=STREAM, max_items=MAX_STREAMS, unique="quality_tag", unique_nulls=True),
    # Captions are keyed by language too, but "one track per language" is a publishing rule:
    # _media_rules reports a repeat in the admin's words.
    "captions": ListOf(item=CAPTION, max_items=MAX_CAPTIONS),
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
