"""The heartbeat's one round trip (playback/heartbeats.heartbeat_record_by_session): the script
reads who is watching from the Django session's JSON copy in Redis, and refuses exactly what
the long way refuses when that copy is missing, forged, another's or signed out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts import access
from playback import live
from tests.cast import Household, sign_in
from tests.test_playback_api import beat, buffered, household, movie, now_ms, playing, start

__all__ = ["household", "movie", "playing"]  # fixtures shared with the API tests

pytestmark = pytest.mark.usefixtures("fast_passwords")


def session_copy_key(client: Client) -> str:
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return str(caches[settings.SESSION_CACHE_ALIAS].make_key(cached_db.KEY_PREFIX + session_key))


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time Django reads a session (the long way), by session key."""
    seen: list[str] = []
    original = cached_db.SessionStore.load

    def spy(self: Any) -> Any:
        seen.append(self.session_key)
        return original(self)

    monkeypatch.setattr(cached_db.SessionStore, "load", spy)
    return seen


def test_it_records_a_heartbeat_without_reading_the_session_in_python(
    viewer: Client, household: Household, playing: str, movie: Any, loads: list[str]
) -> None:
    viewer.get("/")  # the page stores the session's copy in Redis
    loads.clear()

    response = beat(viewer, playing, position_seconds=42, at=now_ms() - 1000)

    assert response.json() == {"status": "ok"}
    assert loads == []  # the script read the session's copy itself
    entry = buffered(household.adult, movie.pk)
    assert entry is not None
    assert entry.position == 42


def test_it_stores_the_sessions_copy_as_json_a_script_can_read(
    viewer: Client, household: Household, playing: str
) -> None:
    raw = live.redis().get(session_copy_key(viewer))

    copy = json.loads(raw)
    assert copy[access.PROFILE_SESSION_KEY] == household.adult.pk
    assert access.sessions_in_scripts_redis()


def test_it_takes_the_long_way_when_redis_lost_the_sessions_copy(
    viewer: Client, household: Household, playing: str, movie: Any, loads: list[str]
) -> None:
    live.redis().delete(session_copy_key(viewer))

    response = beat(viewer, playing, position_seconds=77, at=now_ms() - 1000)

    assert response.json() == {"status": "ok"}
    assert loads  # read from PostgreSQL, as Django does
    assert buffered(household.adult, movie.pk).position == 77  # type: ignore[union-attr]
    assert live.redis().exists(session_copy_key(viewer))  # and Redis holds the copy again


def test_it_refuses_a_session_without_a_chosen_profile(
    household: Household, viewer: Client, playing: str
) -> None:
    session = viewer.session
    del session[access.PROFILE_SESSION_KEY]
    session.save()

    response = beat(viewer, playing, position_seconds=5)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_signed_in"


@pytest.mark.parametrize("chosen", ["12abc", "", None, [1], {"id": 1}, 1.5, True])
def test_it_refuses_a_session_whose_profile_field_is_not_an_id(
    viewer: Client, playing: str, chosen: object
) -> None:
    key = session_copy_key(viewer)
    copy = json.loads(live.redis().get(key))
    copy[access.PROFILE_SESSION_KEY] = chosen
    live.redis().set(key, json.dumps(copy))

    response = beat(viewer, playing, position_seconds=5)

    assert response.status_code in {403, 404}  # never a 500, never another profile's write
    assert response.status_code != 500


def test_it_refuses_a_copy_that_is_not_json(viewer: Client, playing: str) -> None:
    live.redis().set(session_copy_key(viewer), b"\x80\x04not json")

    response = beat(viewer, playing, position_seconds=5)

    assert response.status_code in {200, 403}  # the long way decides: never a 500
    assert response.status_code != 500


def test_it_refuses_a_forged_session_cookie(client: Client, playing: str) -> None:
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32

    response = beat(client, playing, position_seconds=5)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_signed_in"


def test_it_refuses_a_signed_out_session(viewer: Client, playing: str) -> None:
    cookie = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    viewer.post(reverse("accounts:logout"))
    viewer.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, replayed

    response = beat(viewer, playing, position_seconds=5)

    assert response.status_code == 403


def test_it_treats_another_households_session_as_unknown(
    other_household: Household, playing: str, movie: Any
) -> None:
    stranger = sign_in(Client(), other_household, other_household.adult)
    stranger.get("/")

    response = beat(stranger, playing, position_seconds=5)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_session"
    assert buffered(other_household.adult, movie.pk) is None


def test_it_treats_a_sibling_profiles_session_as_unknown(
    household: Household, viewer: Client, movie: Any
) -> None:
    kids = sign_in(Client(), household, household.kids)
    adults_session = str(start(viewer, movie.pk)["session_id"])

    response = beat(kids, adults_session, position_seconds=5)

    assert response.status_code == 404
