"""A Redis that cannot be read never signs anyone out and never deletes a cookie.

Sessions live in PostgreSQL with their fast copy in Redis (``cached_db``); the copy's cache
ignores Redis errors, so an outage is a cache miss, not an empty session. The player's API
answers a JSON 503 with Retry-After meanwhile, and the same session goes on afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from catalog.models import Movie
from playback import live
from tests.factories import MovieFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def movie(db: None) -> Movie:
    created: Movie = MovieFactory.create(title="Quiet Harbour")
    return created


@pytest.fixture
def redis_away(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Turn Redis off for sessions and playback: a client of a port nobody listens on."""
    closed = Redis(
        host="127.0.0.1",
        port=1,
        socket_connect_timeout=0.2,
        socket_timeout=0.2,
        retry=Retry(NoBackoff(), 1),
    )
    sessions_client: Any = caches["sessions"].client  # type: ignore[attr-defined]

    def away() -> None:
        monkeypatch.setattr(sessions_client, "get_client", lambda *args, **kwargs: closed)
        monkeypatch.setattr(live, "redis", lambda: closed)
        live._Scripts.forget()

    yield away
    monkeypatch.undo()
    live._Scripts.forget()


def heartbeat(client: Client, session_id: str, position: float) -> Any:
    return client.post(
        reverse("playback:heartbeat", args=[session_id]),
        {"position_seconds": position, "at": int(time.time() * 1000)},
        content_type="application/json",
    )


def test_it_keeps_the_viewer_signed_in_while_redis_is_away(
    viewer: Client, movie: Movie, redis_away: Any
) -> None:
    session_id = viewer.post(reverse("playback:start", args=[movie.pk])).json()["session_id"]
    assert heartbeat(viewer, session_id, 10).status_code == 200

    redis_away()
    during = heartbeat(viewer, session_id, 20)

    assert during.status_code == 503
    assert during["Retry-After"] == "2"
    assert during.json()["error"]["code"] == "service_unavailable"
    # The session was read from PostgreSQL: no 403, and the cookie is left alone.
    assert settings.SESSION_COOKIE_NAME not in during.cookies
    page = viewer.get(reverse("accounts:profiles"))
    assert page.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in page.cookies


def test_it_goes_on_with_the_same_session_once_redis_is_back(
    viewer: Client, movie: Movie, redis_away: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = viewer.post(reverse("playback:start", args=[movie.pk])).json()["session_id"]
    redis_away()
    assert heartbeat(viewer, session_id, 20).status_code == 503

    monkeypatch.undo()
    live._Scripts.forget()
    after = heartbeat(viewer, session_id, 30)

    assert after.status_code == 200
    assert after.json() == {"status": "ok"}


def test_it_reads_the_session_from_redis_without_sql_when_redis_is_there(
    viewer: Client, movie: Movie
) -> None:
    session_id = viewer.post(reverse("playback:start", args=[movie.pk])).json()["session_id"]

    with CaptureQueriesContext(connection) as queries:
        response = heartbeat(viewer, session_id, 12)

    assert response.status_code == 200
    assert len(queries) == 0  # the session's fast copy, then one Redis script


def test_it_bounds_the_wait_on_a_redis_that_does_not_answer() -> None:
    # A stalled Redis costs a call at most two socket timeouts (one retry, no back-off), not
    # redis-py's default of three retries with seconds of back-off.
    for alias in ("default", "sessions"):
        client = caches[alias].client.get_client()  # type: ignore[attr-defined]
        kwargs = client.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] <= 0.5
        assert kwargs["socket_connect_timeout"] <= 0.5
        retry = kwargs["retry"]
        assert retry._retries <= 1
        assert isinstance(retry._backoff, NoBackoff)
