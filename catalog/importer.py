"""Catalog import, in the JSON schema export writes (documented in docs/catalog-import.md).

The import is all or nothing. First the whole document is checked against the declared
schema (catalog/import_schema.py) without touching the database: types are never coerced and
every size is bounded. Then every record goes through the same services the admin uses,
inside one transaction, and any error (named by record and field) rolls the whole file back.
Titles, genres and episodes are matched by their natural keys, so importing the same file
twice changes nothing the second time.
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
from catalog.import_schema import RATING_BY_LABEL, SCHEMA_VERSION, validate_document
from catalog.import_types import Errors, FileRefused, ImportFailed, parse_aware_datetime, place
from catalog.media import media_urls_changed
from catalog.models import (
    CaptionTrack,
    Episode,
    Genre,
    Movie,
    Season,
    Series,
    StreamSource,
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
            media_urls_changed(
                stream_ids=importer.streams_to_check, caption_ids=importer.captions_to_check
            )
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
        # New media, or media whose URL changed: their verdicts are reset and checks queued
        # (media_urls_changed) once every record is written.
        self.streams_to_check: list[Any] = []
        self.captions_to_check: list[Any] = []

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
        media_changed = self._media(where, movie.video, record)
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
        media_changed = self._media(where, episode.video, record)
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

    def _media(self, where: str, video: Video, record: JSONObject) -> bool:
        """Make the video's streams and captions match the record; True if anything changed."""
        existing_streams = {s.quality_tag: s for s in video.stream_sources.all()}
        existing_captions = {c.language_code: c for c in video.caption_tracks.all()}
        # Clear the flags that move first, so that moving "primary" or "default" between rows
        # never trips the one-per-video constraints halfway through. Only those: a flag
        # cleared and set again would be two changes in the editorial history.
        kept_primary = [
            stream.pk
            for stream in existing_streams.values()
            if _flagged(record, "streams", "quality_tag", stream)
        ]
        kept_default = [
            caption.pk
            for caption in existing_captions.values()
            if _flagged(record, "captions", "language_code", caption)
        ]
        video.stream_sources.filter(is_primary=True).exclude(pk__in=kept_primary).update(
            is_primary=False
        )
        video.caption_tracks.filter(is_default=True).exclude(pk__in=kept_default).update(
            is_default=False
        )
        changed = self._streams(where, video, record.get("streams", []), existing_streams)
        changed |= self._captions(where, video, record.get("captions", []), existing_captions)
        return changed

    def _streams(
        self, where: str, video: Video, items: list[JSONObject], existing: dict[Any, StreamSource]
    ) -> bool:
        changed, kept = False, set()
        for index, item in enumerate(items):
            at = f"{where} streams[{index}]"
            tag = item.get("quality_tag")
            stream = existing.get(tag) or StreamSource(video=video, quality_tag=tag)
            url = item["url"]
            needs_check = stream._state.adding or stream.stream_url != url
            primary = item.get("is_primary", False)
            changed |= needs_check or stream.is_primary != primary
            stream.stream_url = url
            stream.drm_required = item.get("drm_required", False)
            stream.is_primary = primary
            if self._save(at, stream, {"stream_url": "url"}):
                kept.add(stream.pk)
                if needs_check:
                    self.streams_to_check.append(stream.pk)
        removed = video.stream_sources.exclude(pk__in=kept).delete()[0]
        return changed or removed > 0

    def _captions(
        self, where: str, video: Video, items: list[JSONObject], existing: dict[str, CaptionTrack]
    ) -> bool:
        changed, kept = False, set()
        for index, item in enumerate(items):
            at = f"{where} captions[{index}]"
            code = item["language_code"]
            caption = existing.get(code) or CaptionTrack(video=video, language_code=code)
            url = item["url"]
            needs_check = caption._state.adding or caption.caption_url != url
            default = item.get("is_default", False)
            changed |= needs_check or caption.is_default != default
            caption.caption_url = url
            caption.format = item["format"]
            caption.is_default = default
            if self._save(at, caption, {"caption_url": "url"}):
                kept.add(caption.pk)
                if needs_check:
                    self.captions_to_check.append(caption.pk)
        removed = video.caption_tracks.exclude(pk__in=kept).delete()[0]
        return changed or removed > 0

    def _save(self, where: str, row: StreamSource | CaptionTrack, renames: dict[str, str]) -> bool:
        try:
            row.full_clean()
        except ValidationError as error:
            renamed = ValidationError(
                {renames.get(name, name): messages for name, messages in error.message_dict.items()}
            )
            self.errors.add_validation(where, renamed)
            return False
        row.save()
        return True

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


def _flagged(record: JSONObject, kind: str, key: str, row: StreamSource | CaptionTrack) -> bool:
    """Whether ``record`` keeps the primary (or default) flag on ``row``, matched by ``key``."""
    flag = "is_primary" if kind == "streams" else "is_default"
    return any(
        item.get(key) == getattr(row, key) and item.get(flag, False)
        for item in record.get(kind, [])
    )


def _any_of(names: Iterable[Any]) -> str:
    return "^(" + "|".join(re.escape(str(name)) for name in names) + ")$"


def _snapshot(model: Any) -> tuple[Any, ...]:
    return tuple(
        getattr(model, f.attname)
        for f in model._meta.concrete_fields
        if f.attname not in {"updated_at", "updated_by_id"} and not f.generated
    )
