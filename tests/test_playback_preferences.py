"""The watch page and the start endpoint honour the profile's preferences: the caption track
and look, the audio language, and what plays after an episode."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import Profile
from accounts.preferences import CaptionBackground, CaptionColour, CaptionEdge, CaptionSize
from catalog.models import Episode, MaturityRating, Movie
from tests.cast import Household, sign_in, warm_identity
from tests.factories import (
    CaptionTrackFactory,
    EpisodeFactory,
    MovieFactory,
    SeasonFactory,
    StreamSourceFactory,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")


def prefer(profile: Profile, **choices: Any) -> None:
    """Save a profile's preferences as the preferences form does (which drops the cached
    household, so the next request sees them)."""
    for name, value in choices.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save(update_fields=list(choices))


def start(client: Client, video_id: object) -> dict[str, Any]:
    response = client.post(reverse("playback:start", args=[video_id]))
    assert response.status_code == 201, response.content
    started: dict[str, Any] = response.json()
    return started


def watch_page(client: Client, video_id: object) -> str:
    response = client.get(reverse("playback:watch", args=[video_id]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def movie(db: None) -> Movie:
    """English (the editor's default) and French captions."""
    created: Movie = MovieFactory.create(title="Salt Roads")
    CaptionTrackFactory.create(
        video=created.video,
        language_code="fr",
        caption_url="https://cdn.example.com/c/salt-roads/fr.vtt",
        is_default=False,
    )
    return created


@pytest.fixture
def movie_without_default(db: None) -> Movie:
    created: Movie = MovieFactory.create(title="No Default", media=False)
    StreamSourceFactory.create(video=created.video)
    for language in ("en", "fr"):
        CaptionTrackFactory.create(
            video=created.video,
            language_code=language,
            caption_url=f"https://cdn.example.com/c/no-default/{language}.vtt",
            is_default=False,
        )
    return created


# --- Captions: the profile's choice, then the editor's default, then off ----------------------


@pytest.mark.parametrize(
    ("preference", "selected"),
    [("fr", "fr"), ("de", "en"), ("", "en"), ("off", None)],
    ids=["own-language-present", "own-language-missing", "follow-default", "off"],
)
def test_it_selects_the_caption_track_by_the_profiles_preference(
    viewer: Client, household: Household, movie: Movie, preference: str, selected: str | None
) -> None:
    prefer(household.adult, caption_language=preference)

    started = start(viewer, movie.pk)

    assert started["selected_caption"] == selected


@pytest.mark.parametrize("preference", ["", "de"])
def test_it_selects_no_caption_track_when_the_title_has_no_default(
    viewer: Client, household: Household, movie_without_default: Movie, preference: str
) -> None:
    prefer(household.adult, caption_language=preference)

    assert start(viewer, movie_without_default.pk)["selected_caption"] is None


def test_it_keeps_every_track_and_the_editors_default_flag_beside_the_choice(
    viewer: Client, household: Household, movie: Movie
) -> None:
    prefer(household.adult, caption_language="off")

    started = start(viewer, movie.pk)

    assert {c["language_code"]: c["default"] for c in started["captions"]} == {
        "en": True,
        "fr": False,
    }


def test_it_chooses_for_the_profile_watching_not_for_the_household(
    client: Client, household: Household, movie: Movie
) -> None:
    prefer(household.adult, caption_language="fr")
    prefer(household.kids, caption_language="off")
    Movie.objects.filter(pk=movie.pk).update(maturity_rating=MaturityRating.ALL)

    started = start(sign_in(client, household, household.kids), movie.pk)

    assert started["selected_caption"] is None


# --- Audio ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("preference", "sent"), [("fr", "fr"), ("", None)])
def test_it_passes_the_profiles_audio_language_to_the_player(
    viewer: Client, household: Household, movie: Movie, preference: str, sent: str | None
) -> None:
    prefer(household.adult, audio_language=preference)

    assert start(viewer, movie.pk)["audio_language"] == sent


# --- The caption look -------------------------------------------------------------------------


def cue_rule(body: str) -> str:
    match = re.search(r"<style>video::cue \{ (.*?) \}</style>", body)
    assert match is not None, "the watch page has no ::cue rule"
    return match[1]


def test_it_styles_the_captions_with_the_profiles_look(
    viewer: Client, household: Household, movie: Movie
) -> None:
    prefer(
        household.adult,
        caption_size=CaptionSize.LARGE,
        caption_colour=CaptionColour.YELLOW,
        caption_background=CaptionBackground.BLACK,
        caption_edge=CaptionEdge.SHADOW,
    )

    rule = cue_rule(watch_page(viewer, movie.pk))

    assert rule == (
        "font-size: 130%; color: #ffeb3b; background-color: #000000; "
        "text-shadow: 2px 2px 3px rgba(0, 0, 0, 0.9);"
    )


def test_it_styles_the_captions_with_the_default_look_for_a_new_profile(
    viewer: Client, movie: Movie
) -> None:
    rule = cue_rule(watch_page(viewer, movie.pk))

    assert "font-size: 100%" in rule
    assert "color: #ffffff" in rule


# --- What plays next --------------------------------------------------------------------------


@pytest.fixture
def episodes(db: None) -> list[Episode]:
    season = SeasonFactory.create(number=1)
    return [
        EpisodeFactory.create(season=season, number=n, title=title)
        for n, title in enumerate(("Low Water", "High Water"), start=1)
    ]


def test_it_offers_the_next_episode_with_a_countdown_when_autoplay_is_on(
    viewer: Client, household: Household, episodes: list[Episode]
) -> None:
    prefer(household.adult, autoplay_next=True)

    body = watch_page(viewer, episodes[0].pk)

    next_url = reverse("playback:watch", args=[episodes[1].pk])
    assert f'data-next-url="{next_url}"' in body
    assert 'data-autoplay-next="true"' in body
    assert "S1:E2 · High Water" in body
    assert "Next episode in" in body
    assert ">Play now</a>" in body
    assert ">Cancel</button>" in body


def test_it_offers_only_a_next_episode_button_when_autoplay_is_off(
    viewer: Client, household: Household, episodes: list[Episode]
) -> None:
    prefer(household.adult, autoplay_next=False)

    body = watch_page(viewer, episodes[0].pk)

    assert 'data-autoplay-next="false"' in body
    assert ">Next episode</a>" in body
    assert "Next episode in" not in body
    assert "Cancel" not in body


@pytest.mark.parametrize("last", [True, False], ids=["last-episode", "movie"])
def test_it_offers_nothing_after_the_last_episode_or_a_movie(
    viewer: Client, episodes: list[Episode], movie: Movie, last: bool
) -> None:
    body = watch_page(viewer, episodes[-1].pk if last else movie.pk)

    assert "data-next-url" not in body
    assert 'id="player-next"' not in body


# --- Fixed query counts -----------------------------------------------------------------------


def test_it_renders_a_movies_watch_page_in_one_query(
    viewer: Client,
    household: Household,
    movie: Movie,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    warm_identity(household)  # the user and the profile come from the identity cache

    # 1. the video with its movie or episode, season and series.
    with django_assert_num_queries(1):
        watch_page(viewer, movie.pk)


def test_it_renders_an_episodes_watch_page_in_two_queries(
    viewer: Client,
    household: Household,
    episodes: list[Episode],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    warm_identity(household)

    # 1. the video with its movie or episode, season and series,
    # 2. the next episode the profile may play (playback/next_episode.py): the one more.
    with django_assert_num_queries(2):
        watch_page(viewer, episodes[0].pk)


@pytest.mark.parametrize("preference", ["fr", "off"])
def test_it_starts_a_session_in_the_same_queries_whatever_the_preferences(
    viewer: Client,
    household: Household,
    movie: Movie,
    preference: str,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    prefer(household.adult, caption_language=preference, audio_language="fr")
    warm_identity(household)

    # The preferences ride on the profile already loaded, and cost no query of their own:
    # 1. the entitled video, 2. its primary stream with its caption tracks, its markers and
    # whether its thumbnails are ready (and its URL, which the edge's grant needs next),
    # 3. the session row, 4. the stored progress, 5. the token row.
    with django_assert_num_queries(5):
        start(viewer, movie.pk)
