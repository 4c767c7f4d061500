""" "Because you watched X": what is ranked how, what is left out, what a profile's ceiling
keeps away (whoever in the household watched it), and what the rows cost."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import Profile
from accounts.services import profile_create
from bench.catalog_data import load_movies
from catalog import library
from catalog.browse import Row
from catalog.models import Genre, MaturityRating, Movie, Series, Thumb, TitleRating, Visibility
from catalog.progress_source import reader
from playback import recommendations
from playback.models import WatchProgress
from playback.progress import progress_hide
from playback.recommendations import BecauseRow, because_rows, because_you_watched
from tests.cast import Household
from tests.factories import (
    EpisodeFactory,
    GenreFactory,
    MovieFactory,
    SeriesFactory,
    WatchProgressFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def watched(
    profile: Profile, title: Movie | Series, *, seconds: int = 600, days_ago: float = 1
) -> None:
    """``profile`` watched ``title`` (a series: a new episode of it)."""
    if isinstance(title, Series):
        video = EpisodeFactory.create(season__series=title).video
    else:
        video = title.video
    WatchProgressFactory.create(
        profile=profile,
        video=video,
        progress_seconds=seconds,
        last_watched_timestamp=timezone.now() - timedelta(days=days_ago),
    )


def shown(rows: list[BecauseRow]) -> list[tuple[str, list[str]]]:
    return [(row.seed_title, [card.title for card in row.cards]) for row in rows]


def movie(title: str, *genres: Genre, rating: int = MaturityRating.AGE_13) -> Movie:
    made: Movie = MovieFactory.create(title=title, genres=list(genres), maturity_rating=rating)
    return made


def series(title: str, *genres: Genre, rating: int = MaturityRating.AGE_13) -> Series:
    made: Series = SeriesFactory.create(title=title, genres=list(genres), maturity_rating=rating)
    return made


@pytest.fixture
def drama(db: None) -> Genre:
    genre: Genre = GenreFactory.create(name="Drama")
    return genre


@pytest.fixture
def thriller(db: None) -> Genre:
    genre: Genre = GenreFactory.create(name="Thriller")
    return genre


@pytest.fixture
def sam(household: Household) -> Profile:
    """A second adult of the household."""
    return profile_create(account=household.account, name="Sam", is_kids=False)


# --- Ranking and exclusions ------------------------------------------------------------------


def test_it_ranks_by_genres_shared_then_by_how_long_the_household_watched(
    household: Household, other_household: Household, sam: Profile, drama: Genre, thriller: Genre
) -> None:
    seed = movie("Seed Film", drama, thriller)
    watched(household.adult, seed, days_ago=0.1)
    movie("Both Genres", drama, thriller)
    popular = movie("Drama Popular", drama)
    watched(sam, popular, seconds=3000)
    watched(household.kids, popular, seconds=100)
    hit_elsewhere = movie("A Stranger's Hit", drama)  # only another household watched it
    watched(other_household.adult, hit_elsewhere, seconds=9000)
    show = series("Drama Series", drama)
    watched(sam, show, seconds=600)
    movie("Drama Quiet", drama)
    movie("Comedy Only", GenreFactory.create(name="Comedy"))

    assert shown(because_rows(household.adult)) == [
        (
            "Seed Film",
            ["Both Genres", "Drama Popular", "Drama Series", "A Stranger's Hit", "Drama Quiet"],
        )
    ]


def test_it_leaves_out_what_the_profile_watched_and_what_it_rated_not_for_me(
    household: Household, sam: Profile, drama: Genre
) -> None:
    watched(household.adult, movie("Seed Film", drama), days_ago=0.1)
    watched(household.adult, movie("Seen Already", drama), days_ago=30)
    watched(household.adult, series("Seen Series", drama), days_ago=30)
    disliked_movie, disliked_series = movie("Not For Me", drama), series("Nope Series", drama)
    for title in (disliked_movie, disliked_series):
        watched(sam, title, seconds=5000)  # the rest of the household loved them
    TitleRating.objects.create(
        profile=household.adult, movie=disliked_movie, rating=Thumb.NOT_FOR_ME
    )
    TitleRating.objects.create(
        profile=household.adult, series=disliked_series, rating=Thumb.NOT_FOR_ME
    )
    liked = movie("Liked Elsewhere", drama)
    TitleRating.objects.create(profile=household.adult, movie=liked, rating=Thumb.LIKE)
    movie("Fresh Movie", drama)
    series("Fresh Series", drama)

    seed, titles = shown(because_rows(household.adult))[0]

    assert seed == "Seed Film"
    # The movies and the series both stay: a NULL in either "not in" list would drop a kind.
    assert titles == ["Fresh Movie", "Fresh Series", "Liked Elsewhere"]


def test_it_keeps_a_title_another_profile_rated_not_for_me(
    household: Household, sam: Profile, drama: Genre
) -> None:
    watched(household.adult, movie("Seed Film", drama))
    theirs = movie("Sam Disliked", drama)
    TitleRating.objects.create(profile=sam, movie=theirs, rating=Thumb.NOT_FOR_ME)

    assert shown(because_rows(household.adult)) == [("Seed Film", ["Sam Disliked"])]


def test_it_makes_a_row_for_each_of_the_two_most_recently_watched_titles(
    household: Household, drama: Genre, thriller: Genre
) -> None:
    comedy, animation = GenreFactory.create(name="Comedy"), GenreFactory.create(name="Animation")
    watched(household.adult, movie("Oldest", animation), days_ago=9)
    watched(household.adult, series("Recent Series", drama), days_ago=1)
    watched(household.adult, movie("Latest", comedy), days_ago=0.5)
    movie("Drama Pick", drama)
    movie("Comedy Pick", comedy)
    movie("Animation Pick", animation)

    assert shown(because_rows(household.adult)) == [
        ("Latest", ["Comedy Pick"]),
        ("Recent Series", ["Drama Pick"]),
    ]


def test_it_counts_episodes_of_one_series_as_one_seed(household: Household, drama: Genre) -> None:
    show = series("Binged", drama)
    for number in range(1, 4):
        episode = EpisodeFactory.create(season__series=show, season__number=number)
        WatchProgressFactory.create(profile=household.adult, video=episode.video)
    watched(household.adult, movie("Earlier Film", GenreFactory.create(name="Comedy")), days_ago=3)
    movie("Drama Pick", drama)

    assert [seed for seed, _ in shown(because_rows(household.adult))] == ["Binged"]


def test_it_fills_a_row_with_twenty_titles_at_most(household: Household) -> None:
    load_movies(40, genres=1, prefix="Many")
    genre = Genre.objects.get(slug="many-genre-0")
    watched(household.adult, movie("Seed Film", genre))

    [(_, titles)] = shown(because_rows(household.adult))

    assert len(titles) == recommendations.ROW_SIZE == 20


def test_it_has_no_row_before_the_profile_watched_anything(
    household: Household, drama: Genre
) -> None:
    movie("Something", drama)

    assert because_rows(household.adult) == []


def test_it_has_no_row_when_nothing_else_shares_a_genre(household: Household, drama: Genre) -> None:
    watched(household.adult, movie("Alone", drama))
    movie("Elsewhere", GenreFactory.create(name="Comedy"))

    assert because_rows(household.adult) == []


# --- The ceiling, whoever watched -----------------------------------------------------------


def test_it_never_shows_a_kids_profile_a_title_above_its_ceiling_that_a_parent_watched(
    household: Household,
) -> None:
    animation = GenreFactory.create(name="Animation")
    watched(household.kids, movie("Cartoon", animation, rating=MaturityRating.AGE_7))
    grown = movie("Grown-up Animation", animation, rating=MaturityRating.AGE_18)
    watched(household.adult, grown, seconds=7000)
    movie("Teen Animation", animation, rating=MaturityRating.AGE_13)
    movie("Little Ones", animation, rating=MaturityRating.ALL)
    movie("Seven Plus", animation, rating=MaturityRating.AGE_7)

    assert shown(because_rows(household.kids)) == [("Cartoon", ["Little Ones", "Seven Plus"])]
    # The parent's own row has it all (the kids' ceiling is the kids' alone).
    watched(household.adult, movie("Parent Seed", animation), days_ago=0.1)
    assert "Teen Animation" in shown(because_rows(household.adult))[0][1]


def test_it_fills_a_kids_row_from_under_its_ceiling_however_much_the_parents_watched_above_it(
    household: Household,
) -> None:
    # The ceiling is applied while ranking, not after: twenty well-watched titles above it
    # must not take the row's places and leave the kids profile an empty row.
    animation = GenreFactory.create(name="Animation")
    watched(household.kids, movie("Cartoon", animation, rating=MaturityRating.AGE_7))
    for number in range(recommendations.ROW_SIZE + 1):
        above = movie(f"Grown-up {number}", animation, rating=MaturityRating.AGE_16)
        watched(household.adult, above, seconds=5000)
    movie("Little Ones", animation, rating=MaturityRating.ALL)

    assert shown(because_rows(household.kids)) == [("Cartoon", ["Little Ones"])]


def test_it_keeps_a_13_plus_profile_under_its_ceiling_when_the_parent_watched_an_18_plus_title(
    household: Household, drama: Genre
) -> None:
    teen = profile_create(
        account=household.account, name="Teen", is_kids=False, max_maturity=MaturityRating.AGE_13
    )
    watched(teen, movie("Teen Drama", drama, rating=MaturityRating.AGE_13))
    watched(
        household.adult, movie("Adult Drama", drama, rating=MaturityRating.AGE_18), seconds=7000
    )
    watched(
        household.adult, series("Adult Series", drama, rating=MaturityRating.AGE_16), seconds=7000
    )
    movie("Another Teen Drama", drama, rating=MaturityRating.AGE_13)

    assert shown(because_rows(teen)) == [("Teen Drama", ["Another Teen Drama"])]


def test_it_never_takes_a_title_above_the_ceiling_or_out_of_the_catalog_as_a_seed(
    household: Household, drama: Genre, thriller: Genre
) -> None:
    # Watched before its rating went up, then a title that left the catalog: neither is X.
    watched(household.kids, movie("Rated Up", thriller, rating=MaturityRating.AGE_18), days_ago=0.1)
    pulled = movie("Pulled", thriller, rating=MaturityRating.ALL)
    watched(household.kids, pulled, days_ago=0.2)
    Movie.objects.filter(pk=pulled.pk).update(visibility=Visibility.HIDDEN)
    watched(household.kids, movie("Cartoon", drama, rating=MaturityRating.AGE_7), days_ago=2)
    movie("Kids Thriller", thriller, rating=MaturityRating.ALL)
    movie("Kids Drama", drama, rating=MaturityRating.ALL)

    assert shown(because_rows(household.kids)) == [("Cartoon", ["Kids Drama"])]


def test_it_forgets_a_hidden_title_as_a_seed(household: Household, drama: Genre) -> None:
    hidden = movie("Hidden Seed", drama)
    watched(household.adult, hidden, days_ago=0.1)
    watched(household.adult, movie("Older Seed", drama), days_ago=1)
    movie("Pick", drama)

    progress_hide(profile=household.adult, video_ids=[hidden.pk])

    # The hidden title is no longer a seed, and no longer counts as watched.
    assert shown(because_rows(household.adult)) == [("Older Seed", ["Hidden Seed", "Pick"])]


# --- Cost, cache, and the catalog's side ------------------------------------------------------


def history(profile: Profile, count: int) -> None:
    load_movies(count, genres=3, prefix="History")
    WatchProgress.objects.bulk_create(
        WatchProgress(
            profile=profile,
            video_id=movie_id,
            progress_seconds=300,
            last_watched_timestamp=timezone.now() - timedelta(minutes=index),
        )
        for index, movie_id in enumerate(
            Movie.objects.filter(title__startswith="History").values_list("pk", flat=True)
        )
    )


@pytest.mark.parametrize("size", [5, 200])
def test_it_builds_the_rows_in_four_queries_whatever_the_history_size(
    household: Household, django_assert_num_queries: DjangoAssertNumQueries, size: int
) -> None:
    history(household.adult, size)
    for genre in Genre.objects.filter(slug__startswith="history-genre"):
        for number in range(3):
            movie(f"Unseen {genre.name} {number}", genre)
            series(f"Unseen series {genre.name} {number}", genre)

    # 1. the two seeds (the profile's watched rows grouped by title, newest first), 2-3. each
    # seed's best 20 (movies UNION ALL series sharing a genre, with the household's seconds),
    # 4. the cards of all of them.
    with django_assert_num_queries(4):
        rows = because_rows(household.adult)

    assert len(rows) == 2
    assert all(len(row.cards) == 6 for row in rows)


def test_it_serves_the_rows_from_the_cache_until_something_they_depend_on_changes(
    household: Household,
    sam: Profile,
    drama: Genre,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    watched(household.adult, movie("Seed Film", drama))
    first = movie("First Pick", drama)
    movie("Second Pick", drama)
    assert shown(because_you_watched(household.adult)) == [
        ("Seed Film", ["First Pick", "Second Pick"])
    ]

    with django_assert_num_queries(0):
        because_you_watched(household.adult)

    # A "not for me" moves the profile's library version: the row changes at once.
    library.rate(profile=household.adult, title=first, thumb=Thumb.NOT_FOR_ME)
    assert shown(because_you_watched(household.adult)) == [("Seed Film", ["Second Pick"])]
    # A hide moves its progress version: so does a flush that wrote its rows.
    progress_hide(profile=household.adult, video_ids=[Movie.objects.get(title="Seed Film").pk])
    assert because_you_watched(household.adult) == []


def test_it_reaches_the_catalog_through_the_progress_reader(
    household: Household, drama: Genre
) -> None:
    watched(household.adult, movie("Seed Film", drama))
    movie("Pick", drama)

    rows = reader().because_you_watched(household.adult)

    assert [(row.seed_title, [card.title for card in row.cards]) for row in rows] == [
        ("Seed Film", ["Pick"])
    ]


def test_it_renders_the_rows_as_the_genre_rows_are_rendered(
    household: Household, drama: Genre
) -> None:
    watched(household.adult, movie("Seed & Co", drama))
    movie("Pick One", drama)
    movie("Pick Two", drama)

    rows = because_you_watched(household.adult)
    html = render_to_string("catalog/_because_rows.html", {"rows": rows})
    genre_row = render_to_string("catalog/_rows.html", {"rows": [Row(drama, rows[0].cards)]})

    assert re.findall(r"<h2[^>]*>(.*?)</h2>", html) == ["Because you watched Seed &amp; Co"]
    assert '<section class="row" aria-labelledby="row-because-1">' in html
    track = re.compile(r'<ul class="row-track">(.*?)</ul>', re.DOTALL)
    assert track.findall(html) == track.findall(genre_row)
    assert "Pick One" in html
    assert "<section" not in render_to_string("catalog/_because_rows.html", {"rows": []})
