"""The demo catalog: a dozen movies and a series with real, playable HLS in a local origin
folder (catalog/demo_media.py writes it), imported like any catalog. Captions in English and
Spanish, plus French for some titles; one title with a second audio language; an intro and
credits marked on every movie and episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from catalog.demo_media import encode_loops, origin_url, write_poster, write_title_media

# A second audio language for one title (an alternative rendition, #EXT-X-MEDIA TYPE=AUDIO):
# the variants keep their own English audio, the French track is an audio-only playlist.
SECOND_AUDIO = {"Nine Hours in Lisbon": ("fr", "Français")}


@dataclass(frozen=True)
class DemoMovie:
    title: str
    synopsis: str
    genres: tuple[str, ...]
    rating: str
    minutes: int
    year: int
    days_left: int = 90


GENRES = ("Drama", "Comedy", "Sci-Fi", "Documentary", "Family", "Thriller", "Animation")

MOVIES = (
    DemoMovie(
        "The Lighthouse Keeper's Daughter",
        "On a storm-battered island, a girl inherits her father's lamp and a secret that ships "
        "have steered by for a century.",
        ("Drama",),
        "13+",
        104,
        2023,
    ),
    DemoMovie(
        "Orbit of Small Things",
        "A repair crew on a forgotten space station finds that the station has been repairing "
        "itself, and has opinions about them.",
        ("Sci-Fi", "Thriller"),
        "13+",
        112,
        2024,
    ),
    DemoMovie(
        "Pancake Parade",
        "Two rival breakfast trucks must share one parking spot for the town's biggest festival.",
        ("Comedy", "Family"),
        "All ages",
        88,
        2022,
    ),
    DemoMovie(
        "Beneath the Kelp",
        "A year in the underwater forests of the Pacific, filmed by a team that never left the "
        "water for long.",
        ("Documentary",),
        "All ages",
        79,
        2021,
    ),
    DemoMovie(
        "The Quiet Heist",
        "Five retired librarians plan to return a stolen manuscript to the museum that lost it, "
        "without anyone noticing.",
        ("Thriller", "Comedy"),
        "13+",
        101,
        2024,
        days_left=4,
    ),
    DemoMovie(
        "Paper Dragons",
        "A shy origami folder discovers that the dragons she folds wake up at midnight.",
        ("Animation", "Family"),
        "7+",
        84,
        2023,
    ),
    DemoMovie(
        "Static Signal",
        "A late-night radio host starts receiving calls from listeners who say it is 1987.",
        ("Thriller", "Sci-Fi"),
        "16+",
        97,
        2022,
    ),
    DemoMovie(
        "Grandmother's Kitchen",
        "Three generations, one recipe book and a summer that changes how a family talks to "
        "each other.",
        ("Drama", "Family"),
        "7+",
        93,
        2020,
    ),
    DemoMovie(
        "Last Train to Marrow",
        "A conductor on the final run of a rural line has until dawn to decide which passengers "
        "get off.",
        ("Drama", "Thriller"),
        "18+",
        118,
        2024,
        days_left=2,
    ),
    DemoMovie(
        "Robots Don't Dance",
        "A factory robot enters a dance competition to prove its programmers wrong.",
        ("Animation", "Comedy"),
        "All ages",
        81,
        2024,
    ),
    DemoMovie(
        "The Cartographers",
        "The story of the people who mapped the last blank spaces on Earth, told through their "
        "own field notes.",
        ("Documentary",),
        "7+",
        91,
        2019,
    ),
    DemoMovie(
        "Nine Hours in Lisbon",
        "A stranded traveller and a tram driver on her last shift cross the city before the "
        "morning flight.",
        ("Drama", "Comedy"),
        "13+",
        121,
        2023,
    ),
)


@dataclass(frozen=True)
class DemoSeries:
    title: str
    synopsis: str
    genres: tuple[str, ...]
    rating: str
    episode_minutes: int
    seasons: tuple[tuple[int, str, tuple[str, ...]], ...]


SERIES = DemoSeries(
    title="The Observatory",
    synopsis="At a mountaintop observatory, a team of astronomers finds a signal that changes "
    "every time they look at it.",
    genres=("Sci-Fi", "Drama"),
    rating="13+",
    episode_minutes=24,
    seasons=(
        (1, "First Light", ("Arrival", "The Night Shift", "Interference", "Clear Skies")),
        (2, "Deep Field", ("Return", "Echoes", "The Dark Room")),
    ),
)


# An intro a minute long after a short cold open, and credits over the last minute and a half
# (a minute for an episode): what the player's "Skip intro" and next-episode offer need to show.
DEMO_INTRO = (20, 80)
MOVIE_CREDITS_SECONDS = 90
EPISODE_CREDITS_SECONDS = 60


def _markers(minutes: int, credits_seconds: int) -> list[dict[str, Any]]:
    end = minutes * 60
    return [
        {"kind": "INTRO", "start_seconds": DEMO_INTRO[0], "end_seconds": DEMO_INTRO[1]},
        {"kind": "CREDITS", "start_seconds": end - credits_seconds, "end_seconds": end},
    ]


def _media_record(slug: str, languages: tuple[str, ...]) -> dict[str, Any]:
    return {
        "streams": [
            {
                "url": origin_url(f"{slug}/master.m3u8"),
                "quality_tag": None,
                "drm_required": False,
                "is_primary": True,
            }
        ],
        "captions": [
            {
                "language_code": language,
                "url": origin_url(f"{slug}/{language}.vtt"),
                "format": "WEBVTT",
                "is_default": language == "en",
            }
            for language in languages
        ],
    }


def build_demo(root: Path, *, ffmpeg: str | None = None) -> dict[str, Any]:
    """Write the origin files and return the catalog document for import_catalog."""
    encode_loops(root, ffmpeg=ffmpeg)
    now = timezone.now().replace(microsecond=0)
    start = (now - timedelta(days=30)).isoformat()
    movies = []
    for index, movie in enumerate(MOVIES):
        slug = slugify(movie.title)
        languages = ("en", "es", "fr") if index % 3 == 0 else ("en", "es")
        write_title_media(root, slug, movie.minutes, languages, SECOND_AUDIO.get(movie.title))
        movies.append(
            {
                "title": movie.title,
                "synopsis": movie.synopsis,
                "genres": list(movie.genres),
                "maturity_rating": movie.rating,
                "duration_minutes": movie.minutes,
                "release_year": movie.year,
                "poster_url": write_poster(root, slug, movie.title, index),
                "availability_start": start,
                "availability_end": (now + timedelta(days=movie.days_left)).isoformat(),
                "visibility": "VISIBLE",
                **_media_record(slug, languages),
                "markers": _markers(movie.minutes, MOVIE_CREDITS_SECONDS),
            }
        )
    series_slug = slugify(SERIES.title)
    seasons = []
    for number, season_title, episode_titles in SERIES.seasons:
        episodes = []
        for episode_number, episode_title in enumerate(episode_titles, start=1):
            slug = f"{series_slug}-s{number}e{episode_number}"
            write_title_media(root, slug, SERIES.episode_minutes, ("en", "es"))
            episodes.append(
                {
                    "number": episode_number,
                    "title": episode_title,
                    "synopsis": f"Season {number}, episode {episode_number}: {episode_title}.",
                    "duration_minutes": SERIES.episode_minutes,
                    "release_year": 2022 + number,
                    **_media_record(slug, ("en", "es")),
                    "markers": _markers(SERIES.episode_minutes, EPISODE_CREDITS_SECONDS),
                }
            )
        seasons.append({"number": number, "title": season_title, "episodes": episodes})
    return {
        "version": 1,
        "genres": [{"name": name} for name in GENRES],
        "movies": movies,
        "series": [
            {
                "title": SERIES.title,
                "synopsis": SERIES.synopsis,
                "genres": list(SERIES.genres),
                "maturity_rating": SERIES.rating,
                "poster_url": write_poster(root, series_slug, SERIES.title, 5),
                "availability_start": start,
                "availability_end": (now + timedelta(days=365)).isoformat(),
                "visibility": "VISIBLE",
                "seasons": seasons,
            }
        ],
    }
