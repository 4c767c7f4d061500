"""Pages served from a cached shell (streaming_portal/infra/page_shell.py): a fresh CSRF token
in every response, messages shown once, no marker ever sent, never another viewer's shell, and
a page that follows the viewer's progress and the catalog at once."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_redis import get_redis_connection

from catalog import services
from catalog.models import MaturityRating, Movie
from playback import heartbeats, sessions
from tests.cast import Household, sign_in
from tests.factories import GenreFactory, MovieFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")

HOME = reverse("catalog:home")
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture
def watched_movie(household: Household) -> Movie:
    movie: Movie = MovieFactory.create(title="Shell Tide", duration_minutes=100)
    started = sessions.session_start(
        profile=household.adult, video=movie.video, device_type="DESKTOP"
    )
    heartbeats.heartbeat_record(
        session_id=started.session.pk,
        profile_id=household.adult.pk,
        heartbeat=heartbeats.Heartbeat(1500.0, event="pause"),
    )
    return movie


def test_it_sends_a_fresh_csrf_token_with_every_cached_page(
    viewer: Client, watched_movie: Movie
) -> None:
    first = TOKEN.findall(viewer.get(HOME).content)
    second = TOKEN.findall(viewer.get(HOME).content)

    assert first
    assert second
    assert first[0] != second[0]  # masked anew, as Django does for every response
    assert len(set(second)) == 1  # one token per response, in every form of the page


def test_it_accepts_a_form_posted_from_a_cached_page(
    household: Household, watched_movie: Movie
) -> None:
    viewer = sign_in(Client(enforce_csrf_checks=True), household, household.adult)
    viewer.get(HOME)
    page = viewer.get(HOME)  # from the cached shell
    token = TOKEN.findall(page.content)[0].decode()

    response = viewer.post(
        reverse("playback:forget", args=[watched_movie.video.pk]),
        {"csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert b"Remove Shell Tide from Continue watching" not in viewer.get(HOME).content


@pytest.mark.parametrize("path", [HOME, "/genres/drama/", "/search/?q=shell"])
def test_it_never_sends_a_marker(viewer: Client, watched_movie: Movie, path: str) -> None:
    GenreFactory.create(name="Drama", slug="drama")
    for _ in range(2):  # built, then from the cache
        response = viewer.get(path)
        assert response.status_code == 200
        assert b"\x1e" not in response.content


def test_it_shows_a_message_once_and_never_caches_it(
    viewer: Client, household: Household, watched_movie: Movie
) -> None:
    viewer.get(HOME)  # the shell is cached
    viewer.post(
        reverse("accounts:edit_profile", args=[household.adult.pk]),
        {"name": "Alex", "avatar_colour": "blue"},
    )

    shown = viewer.get(HOME).content
    again = viewer.get(HOME).content

    assert b"Saved Alex." in shown
    assert b"Saved Alex." not in again
    assert b"\x1e" not in shown


def test_it_never_serves_one_profile_the_shell_of_another(
    viewer: Client, household: Household, watched_movie: Movie
) -> None:
    assert b"Remove Shell Tide from Continue watching" in viewer.get(HOME).content

    kid = sign_in(Client(), household, household.kids)
    page = kid.get(HOME).content

    assert b"Remove Shell Tide from Continue watching" not in page  # the adult's row
    assert b"Kids" in page


def test_it_shows_a_heartbeat_on_the_cached_home_at_once(
    viewer: Client, household: Household, watched_movie: Movie
) -> None:
    assert b"25% watched" in viewer.get(HOME).content
    started = sessions.session_start(
        profile=household.adult, video=watched_movie.video, device_type="DESKTOP"
    )
    heartbeats.heartbeat_record(
        session_id=started.session.pk,
        profile_id=household.adult.pk,
        heartbeat=heartbeats.Heartbeat(3000.0, event="pause"),
    )

    assert b"50% watched" in viewer.get(HOME).content


def test_it_never_serves_a_copy_in_memory_after_redis_lost_its_versions(
    viewer: Client, household: Household
) -> None:
    genre = GenreFactory.create(name="Drama", slug="drama")
    MovieFactory.create(
        title="Before The Flush", genres=[genre], maturity_rating=MaturityRating.ALL
    )
    assert b"Before The Flush" in viewer.get("/genres/drama/").content  # in memory too now

    get_redis_connection("default").flushdb()  # Redis restarted empty: versions start again
    services.title_hide(title=Movie.objects.get(title="Before The Flush"), by=None)

    assert b"Before The Flush" not in viewer.get("/genres/drama/").content
