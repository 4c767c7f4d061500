"""Catalog import and export in one JSON schema (documented in docs/catalog-import.md).

The import is all or nothing: every record is validated with the same services the admin
uses, inside one transaction, and any error (named by record and field) rolls the whole file
back. Titles, genres and episodes are matched by their natural keys, so importing the same
file twice changes nothing the second time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from catalog import services
from catalog.media import media_validation_enqueue
from catalog.models import (
    CaptionTrack,
    Episode,
    Genre,
    MaturityRating,
    Movie,
    Season,
    Series,
    StreamSource,
    Title,
    ValidationStatus,
    Video,
    Visibility,
)

SCHEMA_VERSION = 1
RATING_BY_LABEL = {label: value for value, label in MaturityRating.choices}
TITLE_FIELDS = ("synopsis", "poster_url", "availability_start", "availability_end")


class ImportFailed(Exception):  # noqa: N818 - reads as a sentence: raise ImportFailed(errors)
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


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


class _Errors:
    """Collects messages named by record path and field, e.g. movies[2] “Alien”: title: …"""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, field_name: str | None, message: str) -> None:
        self.messages.append(
            f"{where}: {field_name}: {message}" if field_name else f"{where}: {message}"
        )

    def add_validation(self, where: str, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field_name, messages in error.message_dict.items():
                for message in messages:
                    self.add(where, None if field_name == NON_FIELD_ERRORS else field_name, message)
        else:
            for message in error.messages:
                self.add(where, None, message)


def import_catalog(
    data: Any,
    *,
    by: AbstractBaseUser | None,
    allow_past_availability: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a parsed JSON document.

    Raises ImportFailed listing every error, and then nothing is written.
    """
    errors = _Errors()
    if not isinstance(data, Mapping):
        raise ImportFailed(["The file must hold a JSON object with genres, movies and series."])
    if data.get("version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise ImportFailed([f"version: only schema version {SCHEMA_VERSION} is supported."])
    report = ImportReport(dry_run=dry_run)
    importer = _Importer(by=by, allow_past=allow_past_availability, errors=errors, report=report)
    records = _records(data, errors)
    try:
        with transaction.atomic():
            for index, (kind, position, record) in enumerate(records, start=1):
                importer.run(kind, position, record)
                if progress:
                    progress(index, len(records))
            if errors.messages:
                raise ImportFailed(errors.messages)
            if dry_run:
                raise _Rollback
            media_validation_enqueue(
                stream_ids=importer.streams_to_check, caption_ids=importer.captions_to_check
            )
    except _Rollback:
        pass
    return report


def _records(data: Mapping[str, Any], errors: _Errors) -> list[tuple[str, int, Any]]:
    records: list[tuple[str, int, Any]] = []
    for kind in ("genres", "movies", "series"):
        items = data.get(kind, [])
        if not isinstance(items, list):
            errors.add(kind, None, "must be a list.")
            continue
        records.extend((kind, position, item) for position, item in enumerate(items))
    unknown = sorted(set(data) - {"version", "genres", "movies", "series"})
    if unknown:
        errors.add("file", None, f"unknown top-level keys: {', '.join(unknown)}.")
    for kind, key in (("genres", "name"), ("movies", "title"), ("series", "title")):
        _refuse_repeats(
            kind,
            [item.get(key) for k, _, item in records if k == kind and isinstance(item, Mapping)],
            key,
            errors,
        )
    return records


def _refuse_repeats(where: str, values: list[Any], key: str, errors: _Errors) -> None:
    """A natural key twice in one file would silently merge two records: refuse it."""
    seen: dict[str, int] = {}
    for position, value in enumerate(values):
        folded = str(value).casefold()
        if value is not None and folded in seen:
            errors.add(
                f"{where}[{position}]",
                key,
                f"{value!r} repeats {where}[{seen[folded]}] (keys ignore case).",
            )
        seen.setdefault(folded, position)


class _Importer:
    def __init__(
        self,
        *,
        by: AbstractBaseUser | None,
        allow_past: bool,
        errors: _Errors,
        report: ImportReport,
    ) -> None:
        self.by = by
        self.allow_past = allow_past
        self.errors = errors
        self.report = report
        # New media, or media whose URL changed: checked once the import commits.
        self.streams_to_check: list[Any] = []
        self.captions_to_check: list[Any] = []

    def run(self, kind: str, position: int, record: Any) -> None:
        label = record.get("title") or record.get("name") if isinstance(record, Mapping) else None
        where = f"{kind}[{position}]" + (f" “{label}”" if label else "")
        if not isinstance(record, Mapping):
            self.errors.add(where, None, "must be a JSON object.")
            return
        handler = {"genres": self.genre, "movies": self.movie, "series": self.series}[kind]
        # A savepoint per record: one bad record cannot poison the checks of the next ones.
        try:
            with transaction.atomic():
                before = len(self.errors.messages)
                handler(where, record)
                if len(self.errors.messages) > before:
                    raise _Rollback
        except _Rollback:
            pass
        except ValidationError as error:
            self.errors.add_validation(where, error)

    # --- records ---------------------------------------------------------------------------

    def genre(self, where: str, record: Mapping[str, Any]) -> None:
        name = _text(record, "name", where, self.errors)
        if name is None:
            return
        slug = record.get("slug") or slugify(name)
        genre = Genre.objects.filter(name__iexact=name).first()
        if genre is None:
            genre = Genre(name=name, slug=slug)
            genre.full_clean()
            genre.save()
            self.report.count("created", "genres")
        else:
            self.report.count("unchanged", "genres")

    def movie(self, where: str, record: Mapping[str, Any]) -> None:
        movie = Movie.objects.filter(title__iexact=record.get("title", "")).first()
        created = movie is None
        movie = movie or Movie(kind=Video.Kind.MOVIE)
        before = _snapshot(movie)
        if not self._title_fields(movie, where, record):
            return
        for name in ("duration_minutes", "release_year"):
            setattr(movie, name, record.get(name))
        genres = self._genres(where, record)
        if genres is None:
            return
        services.title_save(
            title=movie, by=self.by, genres=genres, allow_past_availability=self.allow_past
        )
        media_changed = self._media(where, movie.video, record)
        self._visibility(where, movie, record)
        self._count("movies", created, before != _snapshot(movie) or media_changed)

    def series(self, where: str, record: Mapping[str, Any]) -> None:
        series = Series.objects.filter(title__iexact=record.get("title", "")).first()
        created = series is None
        series = series or Series()
        before = _snapshot(series)
        if not self._title_fields(series, where, record):
            return
        genres = self._genres(where, record)
        if genres is None:
            return
        services.title_save(
            title=series, by=self.by, genres=genres, allow_past_availability=self.allow_past
        )
        changed = before != _snapshot(series)
        seasons = record.get("seasons", [])
        if not isinstance(seasons, list):
            self.errors.add(where, "seasons", "must be a list.")
            return
        _refuse_repeats(
            f"{where} seasons",
            [s.get("number") for s in seasons if isinstance(s, Mapping)],
            "number",
            self.errors,
        )
        for season_index, season_record in enumerate(seasons):
            changed |= self._season(f"{where} seasons[{season_index}]", series, season_record)
        self._visibility(where, series, record)
        self._count("series", created, changed)

    def _season(self, where: str, series: Series, record: Any) -> bool:
        if not isinstance(record, Mapping):
            self.errors.add(where, None, "must be a JSON object.")
            return False
        season, created = (
            Season.objects.get_or_create(
                series=series,
                number=record.get("number"),
                defaults={"title": record.get("title", "")},
            )
            if isinstance(record.get("number"), int)
            else (None, False)
        )
        if season is None:
            self.errors.add(where, "number", "must be a whole number of 1 or more.")
            return False
        season.full_clean()
        changed = created
        episodes = record.get("episodes", [])
        if not isinstance(episodes, list):
            self.errors.add(where, "episodes", "must be a list.")
            return False
        _refuse_repeats(
            f"{where} episodes",
            [e.get("number") for e in episodes if isinstance(e, Mapping)],
            "number",
            self.errors,
        )
        for episode_index, episode_record in enumerate(episodes):
            changed |= self._episode(f"{where} episodes[{episode_index}]", season, episode_record)
        return changed

    def _episode(self, where: str, season: Season, record: Any) -> bool:
        if not isinstance(record, Mapping):
            self.errors.add(where, None, "must be a JSON object.")
            return False
        number = record.get("number")
        episode = (
            Episode.objects.filter(season=season, number=number).first()
            if isinstance(number, int)
            else None
        )
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

    def _title_fields(self, title: Title, where: str, record: Mapping[str, Any]) -> bool:
        title.title = record.get("title", "")
        for name in TITLE_FIELDS:
            value = record.get(name, getattr(title, name))
            if name.startswith("availability_") and isinstance(value, str):
                parsed = parse_datetime(value)
                if parsed is None or parsed.tzinfo is None:
                    self.errors.add(where, name, "must be an ISO 8601 date-time with a time zone.")
                    return False
                value = parsed
            setattr(title, name, value)
        rating = record.get("maturity_rating", MaturityRating(title.maturity_rating).label)
        if rating not in RATING_BY_LABEL:
            self.errors.add(
                where, "maturity_rating", f"must be one of {', '.join(RATING_BY_LABEL)}."
            )
            return False
        title.maturity_rating = RATING_BY_LABEL[rating]
        return True

    def _genres(self, where: str, record: Mapping[str, Any]) -> list[Genre] | None:
        names = record.get("genres")
        if not isinstance(names, list) or not names:
            self.errors.add(where, "genres", "list at least one genre by name.")
            return None
        found = {g.name.lower(): g for g in Genre.objects.filter(name__iregex=_any_of(names))}
        missing = [name for name in names if str(name).lower() not in found]
        if missing:
            self.errors.add(
                where,
                "genres",
                f"unknown genre(s): {', '.join(map(str, missing))}; list them under genres first.",
            )
            return None
        return [found[str(name).lower()] for name in names]

    def _media(self, where: str, video: Video, record: Mapping[str, Any]) -> bool:
        """Make the video's streams and captions match the record; True if anything changed."""
        streams = record.get("streams", [])
        captions = record.get("captions", [])
        if not isinstance(streams, list) or not isinstance(captions, list):
            self.errors.add(where, "streams", "streams and captions must be lists.")
            return False
        existing_streams = {s.quality_tag: s for s in video.stream_sources.all()}
        existing_captions = {c.language_code: c for c in video.caption_tracks.all()}
        # Clear the flags first, so that moving "primary" or "default" between rows never
        # trips the one-per-video constraints halfway through.
        video.stream_sources.filter(is_primary=True).update(is_primary=False)
        video.caption_tracks.filter(is_default=True).update(is_default=False)
        changed = self._streams(where, video, streams, existing_streams)
        changed |= self._captions(where, video, captions, existing_captions)
        return changed

    def _streams(
        self, where: str, video: Video, items: list[Any], existing: dict[Any, StreamSource]
    ) -> bool:
        changed, kept = False, set()
        for index, item in enumerate(items):
            at = f"{where} streams[{index}]"
            if not isinstance(item, Mapping):
                self.errors.add(at, None, "must be a JSON object.")
                continue
            tag = item.get("quality_tag")
            stream = existing.get(tag) or StreamSource(video=video, quality_tag=tag)
            url = item.get("url", "")
            needs_check = stream._state.adding or stream.stream_url != url
            if not stream._state.adding and stream.stream_url != url:
                _reset_verdict(stream)
            primary = bool(item.get("is_primary", False))
            changed |= needs_check or stream.is_primary != primary
            stream.stream_url = url
            stream.drm_required = bool(item.get("drm_required", False))
            stream.is_primary = primary
            if self._save(at, stream, {"stream_url": "url"}):
                kept.add(stream.pk)
                if needs_check:
                    self.streams_to_check.append(stream.pk)
        removed = video.stream_sources.exclude(pk__in=kept).delete()[0]
        return changed or removed > 0

    def _captions(
        self, where: str, video: Video, items: list[Any], existing: dict[str, CaptionTrack]
    ) -> bool:
        changed, kept = False, set()
        for index, item in enumerate(items):
            at = f"{where} captions[{index}]"
            if not isinstance(item, Mapping):
                self.errors.add(at, None, "must be a JSON object.")
                continue
            code = item.get("language_code", "")
            caption = existing.get(code) or CaptionTrack(video=video, language_code=code)
            url = item.get("url", "")
            needs_check = caption._state.adding or caption.caption_url != url
            if not caption._state.adding and caption.caption_url != url:
                _reset_verdict(caption)
            default = bool(item.get("is_default", False))
            changed |= needs_check or caption.is_default != default
            caption.caption_url = url
            caption.format = item.get("format", "")
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

    def _visibility(self, where: str, title: Title, record: Mapping[str, Any]) -> None:
        wanted = record.get("visibility", Visibility.HIDDEN)
        if wanted not in Visibility.values:
            self.errors.add(where, "visibility", f"must be one of {', '.join(Visibility.values)}.")
            return
        if wanted == Visibility.HIDDEN:
            if title.visibility != Visibility.HIDDEN:
                services.title_hide(title=title, by=self.by)
            return
        outcome = services.title_publish(title=title, by=self.by)
        for problem in outcome.problems:
            self.errors.add(where, "visibility", f"cannot be VISIBLE: {problem}.")

    def _count(self, kind: str, created: bool, changed: bool) -> None:
        self.report.count("created" if created else "updated" if changed else "unchanged", kind)


def _text(record: Mapping[str, Any], name: str, where: str, errors: _Errors) -> str | None:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        errors.add(where, name, "is required.")
        return None
    return value.strip()


def _any_of(names: Iterable[Any]) -> str:
    return "^(" + "|".join(re.escape(str(name)) for name in names) + ")$"


def _reset_verdict(row: StreamSource | CaptionTrack) -> None:
    row.validation_status = ValidationStatus.UNKNOWN
    row.validation_message = ""
    row.last_validated_at = None


def _snapshot(model: Any) -> tuple[Any, ...]:
    return tuple(
        getattr(model, f.attname)
        for f in model._meta.concrete_fields
        if f.attname not in {"updated_at", "updated_by_id"} and not f.generated
    )


# --- export --------------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.isoformat()


def _media_out(video: Video) -> dict[str, Any]:
    return {
        "streams": [
            {
                "url": stream.stream_url,
                "quality_tag": stream.quality_tag,
                "drm_required": stream.drm_required,
                "is_primary": stream.is_primary,
            }
            for stream in sorted(video.stream_sources.all(), key=lambda s: s.quality_tag or "")
        ],
        "captions": [
            {
                "language_code": caption.language_code,
                "url": caption.caption_url,
                "format": caption.format,
                "is_default": caption.is_default,
            }
            for caption in sorted(video.caption_tracks.all(), key=lambda c: c.language_code)
        ],
    }


def _title_out(title: Title) -> dict[str, Any]:
    return {
        "title": title.title,
        "synopsis": title.synopsis,
        "genres": sorted(genre.name for genre in title.genres.all()),
        "maturity_rating": MaturityRating(title.maturity_rating).label,
        "poster_url": title.poster_url,
        "availability_start": _iso(title.availability_start),
        "availability_end": _iso(title.availability_end),
        "visibility": title.visibility,
    }


def export_catalog() -> dict[str, Any]:
    """The whole catalog in the import schema. Stream URLs are decrypted: guard the file."""
    movies = Movie.objects.order_by("title").prefetch_related(
        "genres", "stream_sources", "caption_tracks"
    )
    series = Series.objects.order_by("title").prefetch_related(
        "genres", "seasons__episodes__stream_sources", "seasons__episodes__caption_tracks"
    )
    return {
        "version": SCHEMA_VERSION,
        "genres": [{"name": g.name, "slug": g.slug} for g in Genre.objects.order_by("name")],
        "movies": [
            {
                **_title_out(movie),
                "duration_minutes": movie.duration_minutes,
                "release_year": movie.release_year,
                **_media_out(movie),
            }
            for movie in movies
        ],
        "series": [
            {
                **_title_out(show),
                "seasons": [
                    {
                        "number": season.number,
                        "title": season.title,
                        "episodes": [
                            {
                                "number": episode.number,
                                "title": episode.title,
                                "synopsis": episode.synopsis,
                                "duration_minutes": episode.duration_minutes,
                                "release_year": episode.release_year,
                                **_media_out(episode),
                            }
                            for episode in sorted(season.episodes.all(), key=lambda e: e.number)
                        ],
                    }
                    for season in sorted(show.seasons.all(), key=lambda s: s.number)
                ],
            }
            for show in series
        ],
    }
