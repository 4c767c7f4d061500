"""Catalog export: the whole catalog in the JSON schema the importer reads.

An export imports back unchanged (tests/test_catalog_commands.py proves the round trip), so
every field here is one the import schema (catalog/import_schema.py) declares.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from catalog.import_schema import SCHEMA_VERSION
from catalog.models import Genre, MaturityRating, Movie, Series, Title, TrickplayTrack, Video
from catalog.trickplay import editors_own_url


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
        "markers": [
            {
                "kind": marker.kind,
                "start_seconds": marker.start_seconds,
                "end_seconds": marker.end_seconds,
            }
            for marker in sorted(video.markers.all(), key=lambda m: (m.start_seconds, m.kind))
        ],
        # An editor's own track only: a generated one (its URL, its status) is the worker's,
        # and null re-imported leaves it alone.
        "trickplay_url": editors_own_url(_trickplay(video)),
    }


def _trickplay(video: Video) -> TrickplayTrack | None:
    try:
        return video.trickplay  # prefetched: None is cached as DoesNotExist
    except TrickplayTrack.DoesNotExist:
        return None


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
        "genres", "stream_sources", "caption_tracks", "markers", "trickplay"
    )
    series = Series.objects.order_by("title").prefetch_related(
        "genres",
        "seasons__episodes__stream_sources",
        "seasons__episodes__caption_tracks",
        "seasons__episodes__markers",
        "seasons__episodes__trickplay",
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
