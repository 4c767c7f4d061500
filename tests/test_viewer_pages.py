"""The viewer pages as an adult sees them: home, genre, search, title pages, and their costs.

Assertions read the rendered HTML (what the viewer gets), not the view's context, so they
hold whether the home page renders its rows per request or serves them from the cache.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import Profile
from bench.catalog_data import load_movies
from catalog import library, services
from catalog.models import Episode, Genre, Movie, Series, Visibility
from playback import flush, heartbeats, live, sessions
from playback.models import WatchProgress
from tests.cast import Household, cold_pages, warm_identity
from tests.factories import (
    CaptionTrackFactory,
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

HOME = reverse("catalog:home")
SEARCH = reverse("catalog:search")
NOT_FOUND_TEXT = "We couldn't find that page"


# --- Reading the pages ----------------------------------------------------------------------


def page(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def card_titles(fragment: str) -> list[str]:
    """The titles of the poster cards in ``fragment``, in page order."""
    return [html.unescape(t) for t in re.findall(r'<div class="card-title">(.*?)</div>', fragment)]


def genre_rows(body: str) -> dict[str, list[str]]:
    """Home page: genre name -> card titles, for each genre row, in page order."""
    rows = {}
    for match in re.finditer(
        r'<section class="row" aria-labelledby="row-(?P<slug>[^"]+)">(?P<inner>.*?)</section>',
        body,
        re.DOTALL,
    ):
        if match["slug"] == "continue":
            continue
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", match["inner"])
        assert heading is not None
        rows[html.unescape(heading[1])] = card_titles(match["inner"])
    return rows


def card(body: str, title: str) -> str:
    """The HTML of the first poster card for ``title``."""
    match = re.search(
        r'<a class="card" href="[^"]*">(?:(?!</a>).)*?<div class="card-title">'
        + re.escape(html.escape(title))
        + r"</div>\s*</a>",
        body,
        re.DOTALL,
    )
    assert match is not None, f"no card for {title}"
    return match[0]


@dataclass(frozen=True)
class ContinueEntry:
    title: str
    percent: int


def continue_watching(body: str) -> list[ContinueEntry]:
    section = re.search(
        r'<section class="row" aria-labelledby="row-continue">(.*?)</section>', body, re.DOTALL
    )
    if section is None:
        return []
    return [
        ContinueEntry(html.unescape(title), int(percent))
        for percent, title in re.findall(
            r'<div class="progress" aria-hidden="true"><span style="width: (\d+)%"></span></div>'
            r'\s*<div class="card-title">([^<]*)',
            section[1],
        )
    ]


def watched(
    profile: Profile,
    playable: Movie | Episode,
    *,
    seconds: int,
    finished: bool = False,
    minutes_ago: int = 0,
) -> WatchProgress:
    return WatchProgress.objects.create(
        profile=profile,
        video=playable.video,
        progress_seconds=seconds,
        is_finished=finished,
        last_watched_timestamp=timezone.now() - timedelta(minutes=minutes_ago),
    )


def out_of_reach(state: str) -> dict[str, Any]:
    """Factory fields for a title a viewer must never see (hidden, upcoming, expired)."""
    now = timezone.now()
    fields: dict[str, dict[str, Any]] = {
        "hidden": {"visibility": Visibility.HIDDEN},
        "upcoming": {
            "availability_start": now + timedelta(days=1),
            "availability_end": now + timedelta(days=30),
        },
        "expired": {
            "availability_start": now - timedelta(days=30),
            "availability_end": now - timedelta(minutes=1),
        },
    }
    return fields[state]


UNREACHABLE = ["hidden", "upcoming", "expired"]


# --- Home: genre rows -------------------------------------------------------------------------


def test_it_shows_a_row_per_genre_with_its_titles(viewer: Client) -> None:
    comedy, drama = GenreFactory.create(name="Comedy"), GenreFactory.create(name="Drama")
    MovieFactory.create(title="Paper Moon", genres=[comedy])
    MovieFactory.create(title="Quiet Storm", genres=[drama])
    EpisodeFactory.create(season__series=SeriesFactory.create(title="Long Night", genres=[drama]))

    rows = genre_rows(page(viewer, HOME))

    assert {name: sorted(titles) for name, titles in rows.items()} == {
        "Comedy": ["Paper Moon"],
        "Drama": ["Long Night", "Quiet Storm"],
    }


@pytest.mark.parametrize("state", UNREACHABLE)
def test_it_leaves_titles_out_of_reach_off_home(viewer: Client, state: str) -> None:
    drama, horror = GenreFactory.create(name="Drama"), GenreFactory.create(name="Horror")
    MovieFactory.create(title="Quiet Storm", genres=[drama])
    MovieFactory.create(title="Gone Movie", genres=[drama, horror], **out_of_reach(state))
    SeriesFactory.create(title="Gone Series", genres=[drama, horror], **out_of_reach(state))

    body = page(viewer, HOME)

    assert genre_rows(body) == {"Drama": ["Quiet Storm"]}
    assert "Gone Movie" not in body
    assert "Gone Series" not in body


def test_it_drops_a_title_hidden_after_the_rows_were_cached(viewer: Client) -> None:
    MovieFactory.create(title="Quiet Storm")
    leaving = MovieFactory.create(title="Pulled Title")
    assert "Pulled Title" in page(viewer, HOME)

    services.title_hide(title=leaving, by=None)

    assert "Pulled Title" not in page(viewer, HOME)


def test_it_drops_a_title_whose_window_closed_after_the_rows_were_cached(viewer: Client) -> None:
    MovieFactory.create(title="Quiet Storm")
    ends = timezone.now() + timedelta(seconds=1.5)
    MovieFactory.create(title="Brief Stay", availability_end=ends)
    assert "Brief Stay" in page(viewer, HOME)

    # The clock is the point here; nothing else moves a window without a catalog save.
    time.sleep(max(0.0, (ends - timezone.now()).total_seconds()) + 0.2)

    assert "Brief Stay" not in page(viewer, HOME)


@pytest.mark.parametrize(
    ("ends_in", "badge"),
    [
        pytest.param(timedelta(days=2), True, id="2-days"),
        pytest.param(timedelta(days=7) - timedelta(hours=1), True, id="just-under-7-days"),
        pytest.param(timedelta(days=7) + timedelta(hours=1), False, id="just-over-7-days"),
        pytest.param(timedelta(days=60), False, id="60-days"),
    ],
)
def test_it_badges_titles_in_their_last_days(
    viewer: Client, ends_in: timedelta, badge: bool
) -> None:
    MovieFactory.create(title="Leaving Maybe", availability_end=timezone.now() + ends_in)

    body = page(viewer, HOME)

    assert ("Last days" in card(body, "Leaving Maybe")) is badge


# --- Home: Continue watching ----------------------------------------------------------------


def test_it_continues_an_unfinished_title_with_a_progress_bar(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create(title="Quiet Storm", duration_minutes=100)
    watched(household.adult, movie, seconds=1500)

    body = page(viewer, HOME)

    assert "Continue watching for Alex" in body
    assert continue_watching(body) == [ContinueEntry("Quiet Storm", 25)]


def test_it_continues_the_newest_first(viewer: Client, household: Household) -> None:
    for title, minutes_ago in [("Older", 90), ("Newest", 5), ("Middle", 30)]:
        watched(
            household.adult, MovieFactory.create(title=title), seconds=600, minutes_ago=minutes_ago
        )

    entries = continue_watching(page(viewer, HOME))

    assert [entry.title for entry in entries] == ["Newest", "Middle", "Older"]


def test_it_leaves_finished_titles_out_of_continue_watching(
    viewer: Client, household: Household
) -> None:
    watched(household.adult, MovieFactory.create(title="Done"), seconds=5600, finished=True)
    watched(household.adult, MovieFactory.create(title="Halfway"), seconds=2000)

    entries = continue_watching(page(viewer, HOME))

    assert [entry.title for entry in entries] == ["Halfway"]


@pytest.mark.parametrize(
    ("minutes", "seconds", "listed"),
    [
        pytest.param(95, 29, False, id="29s-of-95min"),
        pytest.param(95, 30, True, id="30s-of-95min"),
        pytest.param(5, 14, False, id="14s-of-5min"),
        pytest.param(5, 15, True, id="15s-is-5pc-of-5min"),
    ],
)
def test_it_continues_only_past_30_seconds_or_5_percent(
    viewer: Client, household: Household, minutes: int, seconds: int, listed: bool
) -> None:
    movie = MovieFactory.create(title="Barely Started", duration_minutes=minutes)
    watched(household.adult, movie, seconds=seconds)

    entries = continue_watching(page(viewer, HOME))

    assert bool(entries) is listed


def test_it_continues_an_episode_under_its_series(viewer: Client, household: Household) -> None:
    series = SeriesFactory.create(title="Long Night")
    episode = EpisodeFactory.create(season__series=series, season__number=2, number=3)
    watched(household.adult, episode, seconds=1260)

    body = page(viewer, HOME)

    assert continue_watching(body) == [ContinueEntry("Long Night", 50)]
    assert "S2:E3" in body


def test_it_leaves_a_title_hidden_since_out_of_continue_watching(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create(title="Pulled Title")
    watched(household.adult, movie, seconds=1200)
    services.title_hide(title=movie, by=None)

    assert continue_watching(page(viewer, HOME)) == []


def test_it_forgets_a_title_from_continue_watching(viewer: Client, household: Household) -> None:
    keep, forget = MovieFactory.create(title="Keep Me"), MovieFactory.create(title="Forget Me")
    watched(household.adult, keep, seconds=1200)
    watched(household.adult, forget, seconds=1200, minutes_ago=1)

    response = viewer.post(reverse("playback:forget", args=[forget.pk]))

    assert response["Location"] == HOME
    assert [entry.title for entry in continue_watching(page(viewer, HOME))] == ["Keep Me"]
    assert not WatchProgress.objects.filter(video_id=forget.pk).exists()


# --- Genre pages ----------------------------------------------------------------------------


def test_it_pages_a_genre_24_titles_at_a_time(viewer: Client) -> None:
    load_movies(30, genres=1, prefix="Paged")
    url = reverse("catalog:genre", args=["paged-genre-0"])

    first, second = page(viewer, url), page(viewer, url, page=2)

    assert len(card_titles(first)) == 24
    assert "Page 1 of 2" in first
    assert len(card_titles(second)) == 6
    assert "Page 2 of 2" in second
    everything = card_titles(first) + card_titles(second)
    assert everything == sorted(Movie.objects.values_list("title", flat=True))


@pytest.mark.parametrize("state", UNREACHABLE)
def test_it_leaves_titles_out_of_reach_off_the_genre_page(viewer: Client, state: str) -> None:
    drama = GenreFactory.create(name="Drama")
    MovieFactory.create(title="Quiet Storm", genres=[drama])
    MovieFactory.create(title="Gone Movie", genres=[drama], **out_of_reach(state))
    SeriesFactory.create(title="Gone Series", genres=[drama], **out_of_reach(state))

    body = page(viewer, reverse("catalog:genre", args=["drama"]))

    assert card_titles(body) == ["Quiet Storm"]


def test_it_answers_404_for_an_unknown_genre(viewer: Client) -> None:
    response = viewer.get(reverse("catalog:genre", args=["no-such-genre"]))

    assert response.status_code == 404


# --- Search ---------------------------------------------------------------------------------


def search_titles(client: Client, text: str) -> list[str]:
    return card_titles(page(client, SEARCH, q=text))


def test_it_ranks_a_title_match_above_a_synopsis_match(viewer: Client) -> None:
    # Alphabetical order would put the synopsis match first: only the rank can win here.
    MovieFactory.create(title="Alpha Night", synopsis="Boats rock in the harbour at dawn.")
    MovieFactory.create(title="Zebra Harbour", synopsis="A zebra looks for a home.")

    assert search_titles(viewer, "harbour") == ["Zebra Harbour", "Alpha Night"]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        pytest.param("LISBÓN", "Nine Hours in Lisbon", id="accent-and-case-in-the-query"),
        pytest.param("amelie", "Amélie", id="accent-in-the-title"),
        pytest.param("ØRESUND", "Oresund Bridge", id="stroked-letter"),
        pytest.param("harb", "Harbour Lights", id="prefix"),
        pytest.param("nine lisb", "Nine Hours in Lisbon", id="two-prefixes"),
    ],
)
def test_it_finds_titles_blind_to_case_and_accents_and_by_prefix(
    viewer: Client, text: str, title: str
) -> None:
    for name in ("Nine Hours in Lisbon", "Amélie", "Oresund Bridge", "Harbour Lights"):
        MovieFactory.create(title=name, synopsis="Something happens to someone.")

    assert search_titles(viewer, text) == [title]


@pytest.mark.parametrize("state", UNREACHABLE)
def test_it_never_finds_titles_out_of_reach(viewer: Client, state: str) -> None:
    MovieFactory.create(title="Harbour Lights")
    MovieFactory.create(title="Harbour Gone", **out_of_reach(state))
    SeriesFactory.create(title="Harbour Series", **out_of_reach(state))

    assert search_titles(viewer, "harbour") == ["Harbour Lights"]


def test_it_suggests_genres_when_nothing_matches(viewer: Client) -> None:
    MovieFactory.create(title="Harbour Lights", genres=[GenreFactory.create(name="Noir")])

    body = page(viewer, SEARCH, q="xylophone")

    assert "No results for “xylophone”" in body
    assert f'href="{reverse("catalog:genre", args=["noir"])}"' in body
    assert card_titles(body) == []


def test_it_says_no_results_for_text_without_a_searchable_word(viewer: Client) -> None:
    MovieFactory.create(title="Harbour Lights")

    body = page(viewer, SEARCH, q="?!")

    assert "No results for" in body
    assert card_titles(body) == []


# --- Title pages ----------------------------------------------------------------------------


def test_it_lists_a_movies_caption_languages(viewer: Client) -> None:
    movie = MovieFactory.create(title="Quiet Storm")  # with a default English track
    CaptionTrackFactory.create(
        video=movie.video,
        language_code="pt",
        caption_url="https://cdn.example.com/c/quiet/pt.vtt",
        is_default=False,
    )

    body = page(viewer, reverse("catalog:movie", args=[movie.slug]))

    assert "<dd>English (default), Portuguese</dd>" in body


def test_it_says_where_the_profile_stopped_in_a_movie(viewer: Client, household: Household) -> None:
    movie = MovieFactory.create(title="Quiet Storm")
    watched(household.adult, movie, seconds=12 * 60 + 34)

    body = page(viewer, reverse("catalog:movie", args=[movie.slug]))

    # The wording around it is the template's ("You stopped at", "Resume from"); the position,
    # as a clock, is the behaviour.
    assert re.search(r"\b12:34\b", body)


def test_it_says_nothing_about_progress_on_an_unwatched_movie(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create(title="Quiet Storm")
    watched(household.kids, movie, seconds=754)  # a sibling's progress is not ours

    body = page(viewer, reverse("catalog:movie", args=[movie.slug]))

    assert not re.search(r"\b12:34\b", body)


def series_with_two_seasons() -> Series:
    series: Series = SeriesFactory.create(title="Long Night")
    for season_number in (1, 2):
        season = SeasonFactory.create(series=series, number=season_number)
        for number in (1, 2):
            EpisodeFactory.create(
                season=season, number=number, title=f"Night S{season_number}E{number}"
            )
    return series


def episode_titles(body: str) -> list[str]:
    return re.findall(r'<span class="visually-hidden">Episode \d+: </span>([^<]*)</h3>', body)


def test_it_lists_a_series_seasons_and_opens_on_the_first(viewer: Client) -> None:
    series = series_with_two_seasons()

    body = page(viewer, reverse("catalog:series", args=[series.slug]))

    assert re.findall(r'<a href="\?season=(\d+)"', body) == ["1", "2"]
    assert '<a href="?season=1" aria-current="page">' in body
    assert episode_titles(body) == ["Night S1E1", "Night S1E2"]


def test_it_opens_the_season_asked_for(viewer: Client) -> None:
    series = series_with_two_seasons()

    body = page(viewer, reverse("catalog:series", args=[series.slug]), season=2)

    assert '<a href="?season=2" aria-current="page">' in body
    assert episode_titles(body) == ["Night S2E1", "Night S2E2"]


def test_it_shows_progress_per_episode(viewer: Client, household: Household) -> None:
    series = series_with_two_seasons()
    second = Episode.objects.get(season__series=series, season__number=1, number=2)
    watched(household.adult, second, seconds=1260)  # of 42 minutes

    body = page(viewer, reverse("catalog:series", args=[series.slug]))

    bars = re.findall(r'<li class="episode">.*?</li>', body, re.DOTALL)
    assert [re.findall(r'aria-label="(\d+)% watched"', bar) for bar in bars] == [[], ["50"]]


@pytest.mark.parametrize("state", UNREACHABLE)
@pytest.mark.parametrize("kind", ["movie", "series"])
def test_it_answers_404_for_a_title_out_of_reach(viewer: Client, kind: str, state: str) -> None:
    factory = MovieFactory if kind == "movie" else SeriesFactory
    title = factory.create(**out_of_reach(state))

    response = viewer.get(reverse(f"catalog:{kind}", args=[title.slug]))

    assert response.status_code == 404


def test_it_uses_the_portals_own_404_page(viewer: Client) -> None:
    response = viewer.get(reverse("catalog:movie", args=["no-such-movie"]))

    assert response.status_code == 404
    assert NOT_FOUND_TEXT in response.content.decode()


# --- Query counts: the same with 10 titles as with 1,000 ------------------------------------


def more_titles() -> None:
    """Grow the catalog from 10 synthetic movies to 1,000, in 8 more genres."""
    load_movies(990, prefix="More")


# load_movies() builds a temporary table dropped on COMMIT: a second call in one test needs a
# real commit in between, so the tests that grow the catalog run outside a test transaction.
grows_the_catalog = pytest.mark.django_db(transaction=True)


@grows_the_catalog
def test_it_builds_home_in_10_queries_whatever_the_catalog_size(
    viewer: Client, household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The signed-in household comes from the identity cache (test_identity_cache.py counts
    # its cold read). 1. the newest 20 movie ids per genre (window function), 2. the same
    # for series, 3. the cards for those ids (movies UNION ALL series), 4. the genres by id,
    # 5. Continue watching (progress with its video, movie or episode, season and series),
    # 6. the My List ids, 7. their cards, 8. the seeds of "Because you watched" (the
    # profile's latest titles), 9. the seed's candidates, ranked, 10. their cards.
    load_movies(10)
    seed = MovieFactory.create(genres=[Genre.objects.first()])
    watched(household.adult, seed, seconds=600)
    library.my_list_add(profile=household.adult, title=Movie.objects.order_by("title")[0])
    warm_identity(household)
    with django_assert_num_queries(10):
        viewer.get(HOME)

    more_titles()
    for movie in Movie.objects.all()[:30]:
        library.my_list_add(profile=household.adult, title=movie)
    # Measure the cold page again, not the cached one (delete_pattern is django-redis's).
    cold_pages()
    cache.delete_pattern("because:*")  # type: ignore[attr-defined]
    with django_assert_num_queries(10):
        response = viewer.get(HOME)

    rows = genre_rows(response.content.decode())
    assert len(rows["My List"]) == 31
    assert [name for name in rows if name.startswith("Because you watched")] == [
        f"Because you watched {seed.title}"
    ]
    assert len([name for name in rows if name != "My List" and "Because" not in name]) == 16


def test_it_serves_home_from_the_cache_in_no_query(
    viewer: Client, household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The household, the rows and the page's shell with Continue watching all come from the
    # caches (the shell per profile, until its progress, the profile or the catalog changes).
    load_movies(10)
    watched(household.adult, MovieFactory.create(), seconds=600)
    viewer.get(HOME)

    with django_assert_num_queries(0):
        viewer.get(HOME)


def test_it_shows_flushed_progress_at_once_although_continue_watching_is_cached(
    viewer: Client, household: Household
) -> None:
    movie = MovieFactory.create(title="Cached Tide", duration_minutes=100)
    watched(household.adult, movie, seconds=1500, minutes_ago=5)
    assert continue_watching(viewer.get(HOME).content.decode()) == [
        ContinueEntry("Cached Tide", 25)
    ]
    session = sessions.session_start(
        profile=household.adult, video=movie.video, device_type="DESKTOP"
    )
    heartbeats.heartbeat_record(
        session_id=session.session.pk,
        profile_id=household.adult.pk,
        heartbeat=heartbeats.Heartbeat(3000.0, event="pause"),
    )
    flush.progress_flush(everything=True)
    # The buffer is emptied too, so only the freshly stored row can say 50 %.
    live.redis().delete(live.recent_key(household.adult.pk))

    assert continue_watching(viewer.get(HOME).content.decode()) == [
        ContinueEntry("Cached Tide", 50)
    ]


@grows_the_catalog
def test_it_builds_a_genre_page_in_3_queries_whatever_the_genres_size(
    viewer: Client, household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The household from the identity cache; 1. the genre by slug,
    # 2. COUNT(*) of movies UNION ALL series in the genre, 3. one page of cards (LIMIT 24).
    load_movies(10, genres=1, prefix="Few")
    warm_identity(household)
    with django_assert_num_queries(3):
        viewer.get(reverse("catalog:genre", args=["few-genre-0"]))

    load_movies(990, genres=1, prefix="Many")
    with django_assert_num_queries(3):
        response = viewer.get(reverse("catalog:genre", args=["many-genre-0"]), {"page": 2})

    assert len(card_titles(response.content.decode())) == 24


@grows_the_catalog
def test_it_builds_search_results_in_2_queries_whatever_the_catalog_size(
    viewer: Client, household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The household from the identity cache; 1. COUNT(*) of the matches,
    # 2. one page of ranked matches (LIMIT 24).
    load_movies(10)
    warm_identity(household)
    with django_assert_num_queries(2):
        viewer.get(SEARCH, {"q": "story"})  # every synthetic synopsis has "story"

    more_titles()
    cold_pages()
    with django_assert_num_queries(2):
        response = viewer.get(SEARCH, {"q": "story"})

    assert len(card_titles(response.content.decode())) == 24


def test_it_reads_one_page_of_search_results_not_every_match(viewer: Client) -> None:
    load_movies(100)

    with CaptureQueriesContext(connection) as context:
        response = viewer.get(SEARCH, {"q": "story"})

    assert len(card_titles(response.content.decode())) == 24
    matches = [q["sql"] for q in context.captured_queries if "catalog_movie" in q["sql"]]
    assert matches
    assert all(
        re.search(r"\bLIMIT 24\b", sql) or sql.startswith("SELECT COUNT(*)") for sql in matches
    ), matches


@grows_the_catalog
def test_it_builds_a_movie_page_in_4_queries_whatever_the_catalog_size(
    viewer: Client, household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The household from the identity cache; 1. the movie (available to this profile),
    # 2. its genres, 3. its caption tracks, 4. this profile's progress in it.
    load_movies(10)
    movie = MovieFactory.create(title="Quiet Storm")
    watched(household.adult, movie, seconds=754)
    url = reverse("catalog:movie", args=[movie.slug])
    warm_identity(household)
    with django_assert_num_queries(4):
        viewer.get(url)

    more_titles()
    for language in ("pt", "fr", "de"):
        CaptionTrackFactory.create(
            video=movie.video,
            language_code=language,
            caption_url=f"https://cdn.example.com/c/quiet/{language}.vtt",
            is_default=False,
        )
    with django_assert_num_queries(4):
        viewer.get(url)


@grows_the_catalog
def test_it_builds_a_series_page_in_6_queries_whatever_the_catalog_size(
    viewer: Client, household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The household from the identity cache; 1. the series (available to this profile),
    # 2. its genres, 3. its seasons, 4. their episodes, 5. the episodes' caption tracks,
    # 6. this profile's progress in the chosen season's episodes.
    load_movies(10)
    series = series_with_two_seasons()
    watched(
        household.adult,
        Episode.objects.get(season__series=series, number=1, season__number=1),
        seconds=60,
    )
    url = reverse("catalog:series", args=[series.slug])
    warm_identity(household)
    with django_assert_num_queries(6):
        viewer.get(url, {"season": 2})

    more_titles()
    season = SeasonFactory.create(series=series, number=3)
    EpisodeFactory.create_batch(10, season=season)
    with django_assert_num_queries(6):
        viewer.get(url, {"season": 3})
