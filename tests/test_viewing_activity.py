"""The viewing activity page: one profile's watched movies and episodes, newest first, a day
at a time, 50 to a page, in two queries whatever the history's size. (Hiding is in
test_activity_hide.py.)

Assertions read the rendered HTML, as the viewer gets it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django import DjangoAssertNumQueries

from accounts.models import Profile
from accounts.services import profile_create
from bench.catalog_data import load_movies
from catalog.models import MaturityRating, Movie, Video, Visibility
from playback.models import WatchProgress
from tests.cast import Household, sign_in, warm_identity
from tests.factories import (
    EpisodeFactory,
    MovieFactory,
    SeasonFactory,
    SeriesFactory,
    WatchProgressFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ACTIVITY = reverse("playback:activity")
DURATION = 95 * 60  # MovieFactory's running time


@dataclass(frozen=True)
class Row:
    day: str
    title: str
    episode: str
    how_far: str


def activity(client: Client, **params: str) -> str:
    response = client.get(ACTIVITY, params)
    assert response.status_code == 200
    return response.content.decode()


def rows(body: str) -> list[Row]:
    """The listed rows, in page order, each with the heading of its day."""
    found = []
    for day in re.finditer(
        r'<section class="activity-day"[^>]*>\s*<h2[^>]*><time[^>]*>(?P<label>[^<]*)</time></h2>'
        r"(?P<inner>.*?)</section>",
        body,
        re.DOTALL,
    ):
        for item in re.finditer(
            r'<div class="activity-name">\s*<a [^>]*>(?P<title>[^<]*)</a>\s*'
            r'(?:<span class="activity-episode">(?P<episode>[^<]*)</span>)?.*?'
            r'<div class="activity-how-far">\s*(?:<span class="activity-finished">(?P<done>[^<]*)'
            r'|.*?<span class="activity-percent">(?P<percent>[^<]*))',
            day["inner"],
            re.DOTALL,
        ):
            found.append(
                Row(
                    html.unescape(day["label"]),
                    html.unescape(item["title"]),
                    html.unescape(item["episode"] or ""),
                    item["done"] or item["percent"],
                )
            )
    return found


def titles(body: str) -> list[str]:
    return [row.title for row in rows(body)]


def noon(days_ago: int) -> datetime:
    """Local noon ``days_ago`` days back: its day is certain whenever the test runs."""
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(
        days=days_ago
    )


def watched(
    profile: Profile, playable: Movie | Video, *, at: datetime, seconds: int = 600, **extra: bool
) -> WatchProgress:
    video = playable.video if isinstance(playable, Movie) else playable
    progress: WatchProgress = WatchProgressFactory.create(
        profile=profile,
        video=video,
        last_watched_timestamp=at,
        progress_seconds=seconds,
        **extra,
    )
    return progress


# --- What is listed, and how --------------------------------------------------------------


def test_it_lists_watched_titles_newest_first_grouped_by_the_day_watched(
    viewer: Client, household: Household
) -> None:
    series = SeriesFactory.create(title="Harbour Lights")
    episode = EpisodeFactory.create(
        season=SeasonFactory.create(series=series, number=1), number=2, title="The Pier"
    )
    watched(household.adult, MovieFactory.create(title="Old Film"), at=noon(5), seconds=300)
    watched(household.adult, MovieFactory.create(title="Late One"), at=noon(0) + timedelta(hours=1))
    watched(household.adult, episode.video, at=noon(0), seconds=42 * 60, is_finished=True)
    watched(
        household.adult, MovieFactory.create(title="Half Way"), at=noon(1), seconds=DURATION // 2
    )

    listed = rows(activity(viewer))

    five_days_ago = date_format(noon(5).date(), "l j F Y")
    assert listed == [
        Row("Today", "Late One", "", "11% watched"),
        Row("Today", "Harbour Lights", "S1:E2 · The Pier", "Finished"),
        Row("Yesterday", "Half Way", "", "50% watched"),
        Row(five_days_ago, "Old Film", "", "5% watched"),
    ]


def test_it_shows_the_date_last_watched_on_each_row(viewer: Client, household: Household) -> None:
    watched(household.adult, MovieFactory.create(title="Dated"), at=noon(3))

    body = activity(viewer)

    assert f'datetime="{noon(3).date().isoformat()}"' in body  # the day's heading
    assert date_format(noon(3), "j M Y") in body  # the row's own date


@pytest.mark.parametrize(
    "change",
    [
        {"visibility": Visibility.HIDDEN},
        {"availability_end": "past"},
        {"maturity_rating": MaturityRating.AGE_16},
    ],
    ids=["hidden-by-an-editor", "left-the-catalog", "above-the-profiles-ceiling"],
)
def test_it_leaves_out_titles_the_profile_may_no_longer_see(
    client: Client, household: Household, change: dict[str, object]
) -> None:
    teen = profile_create(
        account=household.account, name="Teen", is_kids=False, max_maturity=MaturityRating.AGE_13
    )
    kept, gone = MovieFactory.create(title="Still Here"), MovieFactory.create(title="Gone Now")
    watched(teen, kept, at=noon(0))
    watched(teen, gone, at=noon(0))
    if change.get("availability_end") == "past":
        change = {
            "availability_start": timezone.now() - timedelta(days=30),
            "availability_end": timezone.now() - timedelta(minutes=1),
        }
    Movie.objects.filter(pk=gone.pk).update(**change)

    assert titles(activity(sign_in(client, household, teen))) == ["Still Here"]


def test_it_leaves_out_an_episode_whose_series_left_the_catalog(
    viewer: Client, household: Household
) -> None:
    episode = EpisodeFactory.create(season__series__title="Pulled Series")
    watched(household.adult, episode.video, at=noon(0))
    watched(household.adult, MovieFactory.create(title="Kept"), at=noon(0))
    type(episode.season.series).objects.filter(pk=episode.season.series_id).update(
        visibility=Visibility.HIDDEN
    )

    assert titles(activity(viewer)) == ["Kept"]


def test_it_shows_each_profile_its_own_activity_only(
    client: Client, household: Household, other_household: Household
) -> None:
    cartoon = MovieFactory.create(title="Cartoon", maturity_rating=MaturityRating.AGE_7)
    watched(household.adult, MovieFactory.create(title="Grown-up Film"), at=noon(0))
    watched(household.kids, cartoon, at=noon(0))
    watched(other_household.adult, MovieFactory.create(title="Their Film"), at=noon(0))

    assert titles(activity(sign_in(client, household, household.kids))) == ["Cartoon"]
    assert titles(activity(sign_in(client, household, household.adult))) == ["Grown-up Film"]


def test_it_leaves_out_rows_where_nothing_was_watched(viewer: Client, household: Household) -> None:
    # A position of 0 (the player opened and closed) is not viewing activity.
    watched(household.adult, MovieFactory.create(title="Opened Only"), at=noon(0), seconds=0)
    watched(household.adult, MovieFactory.create(title="Watched"), at=noon(0), seconds=60)

    assert titles(activity(viewer)) == ["Watched"]


def test_it_says_so_when_the_profile_has_watched_nothing(viewer: Client) -> None:
    body = activity(viewer)

    assert rows(body) == []
    assert "Nothing here yet" in body


def test_it_links_the_page_from_the_profile_menu(viewer: Client) -> None:
    body = activity(viewer)

    menu = re.search(r'<div class="profile-menu-panel">(.*?)</div>', body, re.DOTALL)
    assert menu is not None
    assert f'<a href="{ACTIVITY}">Viewing activity</a>' in menu[1]


def test_it_sends_a_visitor_to_sign_in_and_a_household_to_choose_a_profile(
    client: Client, household: Household
) -> None:
    response = client.get(ACTIVITY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

    response = sign_in(client, household).get(ACTIVITY)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profiles")


# --- Pages ----------------------------------------------------------------------------------


def history(profile: Profile, count: int) -> list[str]:
    """``count`` watched movies, one a minute back from noon today; their titles, newest
    first."""
    load_movies(count, genres=2, prefix="History")
    movies = list(Movie.objects.filter(title__startswith="History").order_by("title"))
    WatchProgress.objects.bulk_create(
        WatchProgress(
            profile=profile,
            video_id=movie.pk,
            progress_seconds=120,
            last_watched_timestamp=noon(0) - timedelta(minutes=index),
        )
        for index, movie in enumerate(movies)
    )
    return [movie.title for movie in movies]


def test_it_pages_the_activity_50_rows_at_a_time(viewer: Client, household: Household) -> None:
    newest_first = history(household.adult, 120)

    first, third = activity(viewer), activity(viewer, page="3")

    assert titles(first) == newest_first[:50]
    assert titles(third) == newest_first[100:]
    assert "Page 1 of 3" in first
    assert 'href="?page=2" rel="next"' in first


@pytest.mark.parametrize(
    "junk", ["", "abc", "0", "-2", "2.5", "\N{ARABIC-INDIC DIGIT ONE}", "1e3x", "%00"]
)
def test_it_reads_a_junk_page_number_as_the_first_page(
    viewer: Client, household: Household, junk: str
) -> None:
    newest_first = history(household.adult, 60)

    assert titles(activity(viewer, page=junk)) == newest_first[:50]


def test_it_shows_the_last_page_for_a_page_number_past_the_end(
    viewer: Client, household: Household
) -> None:
    newest_first = history(household.adult, 60)

    assert titles(activity(viewer, page="40")) == newest_first[50:]


# --- Cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 200])
def test_it_builds_the_page_in_two_queries_whatever_the_history_size(
    viewer: Client,
    household: Household,
    django_assert_num_queries: DjangoAssertNumQueries,
    size: int,
) -> None:
    # The signed-in household comes from the identity cache. 1. the count of the profile's
    # visible watched rows (for the pager), 2. the page of them with each video's movie or
    # episode, season and series.
    history(household.adult, size)
    warm_identity(household)

    with django_assert_num_queries(2):
        body = activity(viewer)

    assert len(rows(body)) == min(size, 50)
