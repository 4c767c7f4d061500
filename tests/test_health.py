"""/healthz and /readyz against the real engines, and against real failures.

A failure here is a real one: a Redis or broker URL pointing at a closed port (refused), or at
a socket that accepts and never answers (a timeout). /readyz answers 200 only when every check
is ok, else 503 naming the check, and never a 500.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from catalog.models import CaptionTrack, StreamSource, Video
from playback import live
from tests.factories import CaptionTrackFactory, MovieFactory, StreamSourceFactory

READYZ = reverse("readyz")
THRESHOLD = 300  # READYZ_HEARTBEAT_MAX_AGE_SECONDS with the default flush settings


def readyz(client: Client, status: int) -> dict[str, Any]:
    response = client.get(READYZ)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body: dict[str, Any] = response.json()
    return body


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the kernel does) and never answers a byte."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


def point_cache_at(settings: Settings, url: str) -> None:
    """The cache, the sessions, the heartbeat buffer and the check all use this Redis."""
    settings.CACHES = {
        **django_settings.CACHES,
        "default": {**django_settings.CACHES["default"], "LOCATION": url},
    }


# --- Liveness and the happy path ------------------------------------------------------------


def test_it_answers_healthz_without_touching_an_engine(client: Client, settings: Settings) -> None:
    # No database mark: pytest-django turns any query into an error. Redis is unreachable.
    point_cache_at(settings, f"redis://127.0.0.1:{closed_port()}/0")

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_it_answers_ready_when_every_engine_answers(client: Client) -> None:
    body = readyz(client, 200)

    assert body["status"] == "ok"
    assert set(body["checks"]) == {
        "postgres",
        "redis",
        "broker",
        "heartbeats",
        "unvalidated_media",
    }
    assert {check["status"] for check in body["checks"].values()} == {"ok"}
    assert all(check["ms"] >= 0 for check in body["checks"].values())


@pytest.mark.django_db
def test_it_is_ready_without_a_worker_and_says_none_answered(client: Client) -> None:
    body = readyz(client, 200)

    assert body["checks"]["broker"] == {
        "status": "ok",
        "ms": body["checks"]["broker"]["ms"],
        "worker_answered": False,
    }


@pytest.mark.worker
@pytest.mark.django_db
def test_it_says_a_worker_answered_when_one_runs(
    client: Client, settings: Settings, celery_worker_process: subprocess.Popen[str]
) -> None:
    # A process's first ping can take half a second to collect its reply.
    settings.READYZ_WORKER_PING_SECONDS = 3.0

    body = readyz(client, 200)

    assert body["checks"]["broker"]["worker_answered"] is True


@pytest.mark.django_db
def test_it_answers_readyz_over_plain_http_under_the_https_redirect(
    client: Client, settings: Settings
) -> None:
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(READYZ).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("catalog:home")).status_code == 301


# --- Engines that fail -----------------------------------------------------------------------


@pytest.mark.django_db
def test_it_answers_503_naming_redis_when_redis_refuses(client: Client, settings: Settings) -> None:
    point_cache_at(settings, f"redis://127.0.0.1:{closed_port()}/0")

    body = readyz(client, 503)

    assert body["status"] == "failed"
    checks = body["checks"]
    assert checks["redis"]["status"] == "failed"
    assert "Connection refused" in checks["redis"]["error"]
    # The heartbeat buffer lives in that Redis too; PostgreSQL and the broker are fine.
    assert checks["heartbeats"]["status"] == "failed"
    assert (checks["postgres"]["status"], checks["broker"]["status"]) == ("ok", "ok")
    assert checks["unvalidated_media"]["status"] == "ok"


@pytest.mark.django_db
def test_it_bounds_a_redis_that_accepts_and_never_answers(
    client: Client, settings: Settings, silent_server: int
) -> None:
    settings.READYZ_CHECK_TIMEOUT_SECONDS = 0.3
    point_cache_at(settings, f"redis://127.0.0.1:{silent_server}/0")

    body = readyz(client, 503)

    assert body["checks"]["redis"]["status"] == "failed"
    assert "Timeout" in body["checks"]["redis"]["error"]
    # One attempt ended by its own 0.3 s timeout: no hang, and no retries multiplying it.
    assert body["checks"]["redis"]["ms"] < 1000


@pytest.mark.django_db
def test_it_answers_503_naming_the_broker_when_it_refuses(
    client: Client, settings: Settings
) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/1"

    body = readyz(client, 503)

    assert body["checks"]["broker"]["status"] == "failed"
    assert "refused" in body["checks"]["broker"]["error"].lower()
    assert body["checks"]["redis"]["status"] == "ok"


@pytest.mark.usefixtures("fast_passwords")
def test_it_keeps_viewer_pages_answering_while_redis_is_down(
    viewer: Client, settings: Settings
) -> None:
    movie = MovieFactory.create(title="Quiet Harbour")
    point_cache_at(settings, f"redis://127.0.0.1:{closed_port()}/0")

    settings.CACHES["sessions"] = {**settings.CACHES["default"], "KEY_PREFIX": "session"}

    assert readyz(viewer, 503)["checks"]["redis"]["status"] == "failed"
    # Sessions live in PostgreSQL (Redis holds a copy), and every cached page part can be
    # rebuilt: the signed-in viewer stays signed in and browses on, a little more slowly.
    home = viewer.get(reverse("catalog:home"))
    assert home.status_code == 200
    assert (
        b'Profile menu for </span><span class="profile-menu-name">Alex<' in home.content
    )  # the browse page, not the visitor's
    assert viewer.get(movie.get_absolute_url()).status_code == 200
    assert settings.SESSION_COOKIE_NAME not in home.cookies


# --- The heartbeat backlog ---------------------------------------------------------------------


def buffer_entry(*, age_seconds: float, profile_id: int = 1) -> tuple[str, str]:
    at_ms = int((time.time() - age_seconds) * 1000)
    field = live.entry_field(profile_id, "6d1c3f0e-8d8a-4b59-9a54-2d1f3f1b0c11")
    return field, f"{at_ms}|61.5|0|0b9c7a52-9d0e-4a4b-8f0c-1f6a3c2e5d77"


@pytest.mark.django_db
def test_it_is_ready_while_buffered_heartbeats_are_recent(client: Client) -> None:
    live.redis().hset(live.BUFFER, mapping=dict([buffer_entry(age_seconds=20)]))

    body = readyz(client, 200)

    heartbeats = body["checks"]["heartbeats"]
    assert heartbeats["status"] == "ok"
    assert (heartbeats["buffered"], heartbeats["claimed_batches"]) == (1, 0)
    assert 19 <= heartbeats["oldest_age_seconds"] <= 25
    assert heartbeats["threshold_seconds"] == THRESHOLD


@pytest.mark.django_db
def test_it_degrades_when_a_buffered_heartbeat_waits_past_the_threshold(client: Client) -> None:
    live.redis().hset(
        live.BUFFER,
        mapping=dict(
            [
                buffer_entry(age_seconds=10, profile_id=1),
                buffer_entry(age_seconds=THRESHOLD + 60, profile_id=2),
            ]
        ),
    )

    body = readyz(client, 503)

    assert body["status"] == "degraded"
    heartbeats = body["checks"]["heartbeats"]
    assert heartbeats["status"] == "degraded"
    assert heartbeats["buffered"] == 2
    assert heartbeats["oldest_age_seconds"] >= THRESHOLD + 60


@pytest.mark.django_db
def test_it_degrades_on_an_old_claimed_batch_that_no_flush_finished(client: Client) -> None:
    client_redis = live.redis()
    batch = f"{live.PREFIX}claim:{int(time.time() * 1000) - 900_000}:deadbeef"
    client_redis.hset(batch, mapping=dict([buffer_entry(age_seconds=900)]))
    client_redis.sadd(live.CLAIMS, batch)

    heartbeats = readyz(client, 503)["checks"]["heartbeats"]

    assert heartbeats["status"] == "degraded"
    assert (heartbeats["buffered"], heartbeats["claimed_batches"], heartbeats["claimed"]) == (
        0,
        1,
        1,
    )
    assert heartbeats["oldest_age_seconds"] >= 900


@pytest.mark.django_db
def test_it_ages_an_entry_by_server_time_not_by_the_players_clock(client: Client) -> None:
    # A player whose clock is four minutes slow, buffered 30 s ago by our clock.
    field, value = buffer_entry(age_seconds=THRESHOLD + 240)
    client_redis = live.redis()
    client_redis.hset(live.BUFFER, field, value)
    client_redis.zadd(live.WRITTEN, {field: int((time.time() - 30) * 1000)})

    heartbeats = readyz(client, 200)["checks"]["heartbeats"]

    assert heartbeats["status"] == "ok"
    assert 29 <= heartbeats["oldest_age_seconds"] <= 35


# --- Sources never validated ---------------------------------------------------------------------


def video_created(video: Video, *, days_ago: float) -> None:
    Video.objects.filter(pk=video.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


@pytest.mark.django_db(transaction=True)  # the checks read through their own connections
def test_it_counts_never_validated_sources_of_recent_videos_without_degrading(
    client: Client,
) -> None:
    movie = MovieFactory.create()  # a stream and a caption, neither validated yet

    unvalidated = readyz(client, 200)["checks"]["unvalidated_media"]

    assert unvalidated["status"] == "ok"
    assert (unvalidated["streams"], unvalidated["captions"]) == (1, 1)
    assert unvalidated["oldest_video_created_at"] == movie.created_at.isoformat()
    assert unvalidated["oldest_age_seconds"] < 60


@pytest.mark.django_db(transaction=True)
def test_it_degrades_when_a_never_validated_source_belongs_to_an_old_video(
    client: Client,
) -> None:
    old = MovieFactory.create(media=False)
    StreamSourceFactory.create(video=old.video)
    video_created(old.video, days_ago=2)
    MovieFactory.create()  # recent, also unvalidated

    body = readyz(client, 503)

    unvalidated = body["checks"]["unvalidated_media"]
    assert body["status"] == "degraded"
    assert unvalidated["status"] == "degraded"
    assert (unvalidated["streams"], unvalidated["captions"]) == (2, 1)
    assert unvalidated["oldest_age_seconds"] >= 2 * 86400
    assert unvalidated["threshold_seconds"] == 3600


@pytest.mark.django_db(transaction=True)
def test_it_leaves_validated_sources_of_old_videos_out(client: Client) -> None:
    old = MovieFactory.create(media=False)
    StreamSourceFactory.create(video=old.video, last_validated_at=timezone.now())
    CaptionTrackFactory.create(video=old.video, last_validated_at=timezone.now())
    video_created(old.video, days_ago=30)

    unvalidated = readyz(client, 200)["checks"]["unvalidated_media"]

    assert StreamSource.objects.count() == CaptionTrack.objects.count() == 1
    assert (unvalidated["streams"], unvalidated["captions"]) == (0, 0)
    assert unvalidated["oldest_video_created_at"] is None
