"""Catalog import, in the JSON schema export writes (documented in docs/catalog-import.md).

The import is all or nothing. First the whole document is checked against the declared
schema (catalog/import_schema.py) without touching the database: types are never coerced and
every size is bounded. Then every record goes through the same services the admin uses,
inside one transaction, and any error (named by record and field) rolls the whole file back.
Titles, genres and episodes are matched by their natural keys, so importing the same file
twice changes nothing the second time. A movie's or episode's media are written by
catalog/import_media.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from catalog import services
from catalog.import_json import parse_document
from catalog.import_media import MediaImport
from catalog.import_schema import RATING_BY_LABEL, SCHEMA_VERSION, validate_document
from catalog.import_types import Errors, FileRefused, ImportFailed, parse_aware_datetime, place
from catalog.models import (
    Episode,
    Genre,
    Movie,
    Season,
    Series,
    Title,
    Video,
    Visibility,
)

__all__ = [
    "SCHEMA_VERSION",
    "FileRefused",
    "ImportFailed",
    "ImportReport",
    "import_catalog",
    "parse_document",
]

TITLE_FIELDS = ("synopsis", "poster_url", "availability_start", "availability_end")
JSONObject = Mapping[str, Any]  # a record the schema has checked


class _Rollback(Exception):  # noqa: N818 - internal signal for --dry-run
    pass


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def count(self, bucket: str, kind: str) -> None:
        target = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + 1

    def summary(self) -> str:
        def part(bucket: dict[str, int]) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in sorted(bucket.items())) or "nothing"

        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb}: created {part(self.created)}; updated {part(self.updated)}; "
            f"unchanged {part(self.unchanged)}."
        )


def import_catalog(
    data: Any,
    *,
    by: AbstractBaseUser | None,
    allow_past_availability: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a parsed JSON document (parse a file's bytes with :func:`parse_document`).

    Raises ImportFailed listing every error, and then nothing is written. A document that
    departs from the schema is refused before any database work.
    """
    validate_document(data)
    errors = Errors()
    report = ImportReport(dry_run=dry_run)
    importer = _Importer(by=by, allow_past=allow_past_availability, errors=errors, report=report)
    records = [
        (kind, position, record)
        for kind in ("genres", "movies", "series")
        for position, record in enumerate(data.get(kind, []))
    ]
    try:
        with transaction.atomic():
            for index, (kind, position, record) in enumerate(records, start=1):
                importer.run(kind, position, record)
                if progress:
                    progress(index, len(records))
            if errors.total:
                raise errors.failure()
            if dry_run:
                raise _Rollback
            importer.media.queue_checks()
    except _Rollback:
        pass
    return report


class _Importer:
    """Writes one validated record at a time; the checks that need the database are here."""

    def __init__(
        self,
        *,
        by: AbstractBaseUser | None,
        allow_past: bool,
        errors: Errors,
        report: ImportReport,
    ) -> None:
        self.by = by
        self.allow_past = allow_past
        self.errors = errors
        self.report = report
        self.media = MediaImport(errors=errors)

    def run(self, kind: str, position: int, record: JSONObject) -> None:
        where = place(kind, position, record)
        handler = {"genres": self.genre, "movies": self.movie, "series": self.series}[kind]
        # A savepoint per record: one bad record cannot poison the checks of the next ones.
        try:
            with transaction.atomic():
                before = self.errors.total
                handler(where, record)
                if self.errors.total > before:
                    raise _Rollback
        except _Rollback:
            pass
        except ValidationError as error:
            self.errors.add_validation(where, error)

    # --- records ---------------------------------------------------------------------------

    def genre(self, where: str, record: JSONObject) -> None:
        name = record["name"].strip()
        genre = Genre.objects.filter(name__iexact=name).first()
        if genre is None:
            # A name with no ASCII letters (“ドラマ”) has no slugify() slug: number one.
            slug = record.get("slug") or slugify(name) or services.unique_slug(Genre, "genre")
            genre = Genre(name=name, slug=slug)
            genre.full_clean()
            genre.save()
            self.report.count("created", "genres")
        else:
            self.report.count("unchanged", "genres")

    def movie(self, where: str, record: JSONObject) -> None:
        movie = Movie.objects.filter(title__iexact=record["title"]).first()
        created = movie is None
        movie = movie or Movie(kind=Video.Kind.MOVIE)
        before = _snapshot(movie)
        self._title_fields(movie, record)
        movie.duration_minutes = record["duration_minutes"]
        movie.release_year = record["release_year"]
        genres = self._genres(where, record)
        if genres is None:
            return
        services.title_save(
            title=movie, by=self.by, genres=genres, allow_past_availability=self.allow_past
        )
        media_changed = self.media.write(where, movie.video, record)
        self._visibility(where, movie, record)
        self._count("movies", created, before != _snapshot(movie) or media_changed)

    def series(self, where: str, record: JSONObject) -> None:
        series = Series.objects.filter(title__iexact=record["title"]).first()
        created = series is None
        series = series or Series()
        before = _snapshot(series)
        self._title_fields(series, record)
        genres = self._genres(where, record)
        if genres is None:
            return
        services.title_save(
            title=series, by=self.by, genres=genres, allow_past_availability=self.allow_past
        )
        changed = before != _snapshot(series)
        for index, season_record in enumerate(record.get("seasons", [])):
            at = place(f"{where} seasons", index, season_record)
            changed |= self._season(at, series, season_record)
        self._visibility(where, series, record)
        self._count("series", created, changed)

    def _season(self, where: str, series: Series, record: JSONObject) -> bool:
        season, created = Season.objects.get_or_create(
            series=series, number=record["number"], defaults={"title": record.get("title", "")}
        )
        season.full_clean()
        changed = created
        for index, episode_record in enumerate(record.get("episodes", [])):
            at = place(f"{where} episodes", index, episode_record)
            changed |= self._episode(at, season, episode_record)
        return changed

    def _episode(self, where: str, season: Season, record: JSONObject) -> bool:
        episode = Episode.objects.filter(season=season, number=record["number"]).first()
        created = episode is None
        episode = episode or Episode(season=season)
        before = _snapshot(episode)
        for name in ("number", "title", "synopsis", "duration_minutes", "release_year"):
            setattr(episode, name, record.get(name, getattr(episode, name)))
        try:
            services.episode_save(episode=episode)
        except ValidationError as error:
            self.errors.add_validation(where, error)
            return False
        media_changed = self.media.write(where, episode.video, record)
        return created or before != _snapshot(episode) or media_changed

    # --- shared pieces ---------------------------------------------------------------------

    def _title_fields(self, title: Title, record: JSONObject) -> None:
        """Set what the record gives; a field it leaves out keeps the title's value."""
        title.title = record["title"]
        for name in TITLE_FIELDS:
            value = record.get(name, getattr(title, name))
            if name.startswith("availability_") and isinstance(value, str):
                value = parse_aware_datetime(value)  # the schema checked it parses
            setattr(title, name, value)
        if "maturity_rating" in record:
            title.maturity_rating = RATING_BY_LABEL[record["maturity_rating"]]

    def _genres(self, where: str, record: JSONObject) -> list[Genre] | None:
        names = [name.strip() for name in record["genres"]]
        found = {g.name.lower(): g for g in Genre.objects.filter(name__iregex=_any_of(names))}
        missing = [name for name in names if name.lower() not in found]
        if missing:
            self.errors.add(
                where,
                "genres",
                f"unknown genre(s): {', '.join(missing)}; list them under genres first.",
            )
            return None
        return [found[name.lower()] for name in names]

    def _visibility(self, where: str, title: Title, record: JSONObject) -> None:
        wanted = record.get("visibility", Visibility.HIDDEN)
        if wanted == Visibility.HIDDEN:
            if title.visibility != Visibility.HIDDEN:
                services.title_hide(title=title, by=self.by)
            return
        outcome = services.title_publish(title=title, by=self.by)
        for problem in outcome.problems:
            self.errors.add(where, "visibility", f"cannot be VISIBLE: {problem}.")

    def _count(self, kind: str, created: bool, changed: bool) -> None:
        self.report.count("created" if created else "updated" if changed else "unchanged", kind)


def _any_of(names: Iterable[Any]) -> str:
    return "^(" + "|".join(re.escape(str(name)) for name in names) + ")$"


def _snapshot(model: Any) -> tuple[Any, ...]:
    return tuple(
        getattr(model, f.attname)
        for f in model._meta.concrete_fields
        if f.attname not in {"updated_at", "updated_by_id"} and not f.generated
    )
