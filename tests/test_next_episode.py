"""What plays after an episode (playback/next_episode.py): the next in its season, else the
first of a later season, only ever one the profile may play now; movies have none."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.maturity import MaturityRating
from accounts.models import Profile
from accounts.services import profile_create
from catalog.models import Episode, Season, Series, Video, Visibility
from playback.next_episode import NextEpisode, next_episode
from tests.cast import Household
from tests.factories import EpisodeFactory, MovieFactory, SeasonFactory, SeriesFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")


def loaded(video_id: UUID) -> Video:
    """The video as the watch page loads it."""
    video: Video = Video.objects.select_related("movie", "episode__season__series").get(pk=video_id)
    return video


def after(profile: Profile, episode: Episode) -> NextEpisode | None:
    return next_episode(profile=profile, video=loaded(episode.pk))


@pytest.fixture
def series(db: None) -> Series:
    created: Series = SeriesFactory.create(title="Tide Tables")
    return created


def season_of(series: Series, number: int, episodes: int) -> list[Episode]:
    season: Season = SeasonFactory.create(series=series, number=number)
    return [
        EpisodeFactory.create(season=season, number=n, title=f"Part {number}.{n}")
        for n in range(1, episodes + 1)
    ]


def test_it_offers_the_next_episode_of_the_same_season(
    household: Household, series: Series
) -> None:
    first, second, _ = season_of(series, 1, 3)

    assert after(household.adult, first) == NextEpisode(
        video_id=second.pk,
        label="S1:E2 · Part 1.2",
        watch_url=reverse("playback:watch", args=[second.pk]),
    )


def test_it_offers_the_first_episode_of_the_next_season_after_a_seasons_last(
    household: Household, series: Series
) -> None:
    season_one = season_of(series, 1, 2)
    season_two = season_of(series, 2, 2)

    following = after(household.adult, season_one[-1])

    assert following is not None
    assert following.video_id == season_two[0].pk


def test_it_skips_numbers_and_seasons_that_are_missing(
    household: Household, series: Series
) -> None:
    season = SeasonFactory.create(series=series, number=1)
    first = EpisodeFactory.create(season=season, number=1)
    fourth = EpisodeFactory.create(season=season, number=4)
    SeasonFactory.create(series=series, number=2)  # announced, no episodes yet
    season_three = season_of(series, 3, 1)

    offered = [after(household.adult, episode) for episode in (first, fourth)]

    assert [o.video_id if o else None for o in offered] == [fourth.pk, season_three[0].pk]


def test_it_offers_nothing_after_the_last_episode_of_the_series(
    household: Household, series: Series
) -> None:
    season_of(series, 1, 2)
    last = season_of(series, 2, 1)[-1]

    assert after(household.adult, last) is None


def test_it_never_crosses_into_another_series(household: Household, series: Series) -> None:
    only = season_of(series, 1, 1)[0]
    season_of(SeriesFactory.create(title="Other Tides"), 1, 3)

    assert after(household.adult, only) is None


def test_it_offers_nothing_after_a_movie(
    household: Household, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    movie = loaded(MovieFactory.create().pk)

    with django_assert_num_queries(0):
        assert next_episode(profile=household.adult, video=movie) is None


def test_it_finds_the_next_episode_in_one_query(
    household: Household, series: Series, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first = loaded(season_of(series, 1, 2)[0].pk)

    # The next playable video of the series, with its episode, season and series (for the label).
    with django_assert_num_queries(1):
        assert next_episode(profile=household.adult, video=first) is not None


# --- Only what the profile may play -----------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "ceiling"),
    [
        (MaturityRating.AGE_16, MaturityRating.AGE_13),
        (MaturityRating.AGE_18, MaturityRating.AGE_16),
    ],
    ids=["16+-for-a-teen", "18+-under-16"],
)
def test_it_never_offers_a_series_rated_above_the_profiles_ceiling(
    household: Household, series: Series, rating: int, ceiling: int
) -> None:
    first, _ = season_of(series, 1, 2)
    Series.objects.filter(pk=series.pk).update(maturity_rating=rating)
    capped = profile_create(
        account=household.account, name="Teen", is_kids=False, max_maturity=ceiling
    )

    assert capped.maturity_ceiling == ceiling
    assert after(capped, first) is None
    assert after(household.adult, first) is not None


def test_it_never_offers_a_kids_profile_a_series_above_the_kids_ceiling(
    household: Household, series: Series
) -> None:
    first, _ = season_of(series, 1, 2)  # rated 13+ by the factory

    assert household.kids.maturity_ceiling is not None
    assert series.maturity_rating > household.kids.maturity_ceiling
    assert after(household.kids, first) is None


def test_it_offers_a_kids_profile_a_series_under_its_ceiling(
    household: Household, series: Series
) -> None:
    first, second = season_of(series, 1, 2)
    Series.objects.filter(pk=series.pk).update(maturity_rating=MaturityRating.AGE_7)

    following = after(household.kids, first)

    assert following is not None
    assert following.video_id == second.pk


@pytest.mark.parametrize(
    "change",
    [
        {"availability_end": timezone.now() - timedelta(minutes=1)},
        {"availability_start": timezone.now() + timedelta(days=1)},
        {"visibility": Visibility.HIDDEN},
    ],
    ids=["window-ended", "window-not-started", "hidden"],
)
def test_it_offers_nothing_outside_the_series_window(
    household: Household, series: Series, change: dict[str, object]
) -> None:
    first, _ = season_of(series, 1, 2)
    video = loaded(first.pk)  # loaded while it was playable, as by a page opened before
    Series.objects.filter(pk=series.pk).update(**change)

    assert next_episode(profile=household.adult, video=video) is None


def test_it_asks_about_availability_at_the_given_moment(
    household: Household, series: Series
) -> None:
    first, _ = season_of(series, 1, 2)

    assert (
        next_episode(profile=household.adult, video=loaded(first.pk), at=series.availability_end)
        is None
    )
