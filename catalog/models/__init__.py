"""The catalog: what editors curate and viewers browse.

Both data-model documents meet here. The Netflix-style document's *Videos* table is
:class:`Video`, the playable unit: a movie is a video (multi-table inheritance, so a movie's
UUID is its video's UUID) and so is an episode. Stream sources, caption tracks, watch
progress and viewing sessions all hang off ``Video``, so one player, one token and one
progress row serve movies and episodes alike. ``docs/architecture.md`` explains the choice.

One module per part: ``choices`` (the fixed states and scales), ``titles`` (genres, videos,
movies, series, seasons, episodes), ``media`` (stream sources and caption tracks) and
``library`` (a profile's My List and thumbs). Import from ``catalog.models``: every model is
here, which is also how Django finds them.
"""

from __future__ import annotations

from catalog.models.choices import AvailabilityState, MaturityRating, ValidationStatus, Visibility
from catalog.models.history import MovieGenre, SeriesGenre
from catalog.models.library import MyListEntry, Thumb, TitleRating
from catalog.models.markers import VideoMarker
from catalog.models.media import CaptionTrack, MediaCheck, StreamSource
from catalog.models.titles import Episode, Genre, Movie, Season, Series, Title, Video
from catalog.models.trickplay import TrickplayStatus, TrickplayTrack

__all__ = [
    "AvailabilityState",
    "CaptionTrack",
    "Episode",
    "Genre",
    "MaturityRating",
    "MediaCheck",
    "Movie",
    "MovieGenre",
    "MyListEntry",
    "Season",
    "Series",
    "SeriesGenre",
    "StreamSource",
    "Thumb",
    "Title",
    "TitleRating",
    "TrickplayStatus",
    "TrickplayTrack",
    "ValidationStatus",
    "Video",
    "VideoMarker",
    "Visibility",
]
