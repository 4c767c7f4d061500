"""Admin form data as the movie admin's pages submit it (shared by the admin and
media-validation tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from catalog.models import CaptionTrack, Movie, StreamSource


def split_datetime(name: str, value: datetime) -> dict[str, str]:
    local = timezone.localtime(value)
    return {f"{name}_0": f"{local:%Y-%m-%d}", f"{name}_1": f"{local:%H:%M:%S}"}


def inline_rows(prefix: str, rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def change_form(movie: Movie, stream: StreamSource, caption: CaptionTrack) -> dict[str, Any]:
    """The change form as the page renders it for ``movie`` with one stream and caption."""
    return {
        "title": movie.title,
        "synopsis": movie.synopsis,
        "genres": [genre.pk for genre in movie.genres.all()],
        "poster_url": movie.poster_url,
        "duration_minutes": str(movie.duration_minutes),
        "release_year": str(movie.release_year),
        "maturity_rating": str(movie.maturity_rating),
        **split_datetime("availability_start", movie.availability_start),
        **split_datetime("availability_end", movie.availability_end),
        **inline_rows(
            "stream_sources",
            [
                {
                    "id": str(stream.pk),
                    "video": str(movie.pk),
                    "stream_url": stream.stream_url,
                    "quality_tag": stream.quality_tag or "",
                    "is_primary": "on",
                }
            ],
            initial=1,
        ),
        **inline_rows(
            "caption_tracks",
            [
                {
                    "id": str(caption.pk),
                    "video": str(movie.pk),
                    "language_code": caption.language_code,
                    "caption_url": caption.caption_url,
                    "format": caption.format,
                    "is_default": "on",
                }
            ],
            initial=1,
        ),
        # No intro, recap or credits marker: the inline's empty management form.
        **inline_rows("markers", []),
        **inline_rows("trickplay", []),
    }
