"""The catalog: what editors curate and viewers browse.

Both data-model documents meet here. The Netflix-style document's *Videos* table is
:class:`Video`, the playable unit: a movie is a video (multi-table inheritance, so a movie's
UUID is its video's UUID) and so is an episode. Stream sources, caption tracks, watch
progress and viewing sessions all hang off ``Video``, so one player, one token and one
progress row serve movies and episodes alike. ``docs/architecture.md`` explains the choice.

One module per part: ``choices`` (the fixed states and scales), ``titles`` (genres, videos,
movies, series, seasons, episodes) and ``media`` (stream sources and caption tracks). Import
from ``catalog.models``: every model is here, which is also how Django finds them.
"""

from __future__ import annotations

from catalog.models.choices import AvailabilityState, MaturityRating, ValidationStatus, Visibility
from catalog.models.history import MovieGenre, SeriesGenre
from catalog.models.media import CaptionTrack, MediaCheck, StreamSource
from catalog.models.titles import Episode, Genre, Movie, Season, Series, Title, Video

__all__ = [
    "AvailabilityState",
    "CaptionTrack",
    "Episode",
    "Genre",
    "MaturityRating",
    "MediaCheck",
    "Movie",
    "MovieGenre",
    "Season",
    "Series",
    "SeriesGenre",
    "StreamSource",
    "Title",
    "ValidationStatus",
    "Video",
    "Visibility",
]
