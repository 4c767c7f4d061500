"""Trickplay on both edges (tests/edges.py): the nginx edge hands ``thumbs/`` to the portal's
edge, as it does captions, so both serve the session's own READY track and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from catalog.models import Movie, TrickplayStatus
from deploy.nginx_edge import MISSING, nginx_binary
from tests.cast import Household, demo_household_create
from tests.edges import Edge, edge_running, local_movie_create, local_origin_create
from tests.factories import TrickplayTrackFactory

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nsprite-0.jpg#xywh=0,0,160,90\n"
SPRITE = b"\xff\xd8\xff\xe0 the session's own sprite"
NEEDS_NGINX = pytest.mark.skipif(nginx_binary() is None, reason=MISSING)

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def household(transactional_db: None) -> Household:
    """Committed rows: the nginx edge hands thumbs to the live server, another thread."""
    return demo_household_create()


@pytest.fixture
def origin(settings: Settings, tmp_path: Path) -> Path:
    return local_origin_create(settings, tmp_path)


@pytest.fixture
def local_movie(settings: Settings, origin: Path, household: Household) -> Movie:
    movie = local_movie_create(settings, origin)
    (origin / "quiet" / "thumbs").mkdir()
    (origin / "quiet" / "thumbs" / "thumbs.vtt").write_bytes(VTT)
    (origin / "quiet" / "thumbs" / "sprite-0.jpg").write_bytes(SPRITE)
    return movie


@pytest.fixture(params=["django", pytest.param("nginx", marks=NEEDS_NGINX)])
def edge(
    request: pytest.FixtureRequest, origin: Path, tmp_path: Path, settings: Settings
) -> Iterator[Edge]:
    yield from edge_running(request.param, request, tmp_path / "edge", settings)


def start(client: Client, movie: Movie) -> str:
    response = client.post(
        reverse("playback:start", args=[movie.pk]), "{}", content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"])


def test_both_edges_serve_the_sessions_ready_thumbnails(
    edge: Edge, viewer: Client, local_movie: Movie, settings: Settings
) -> None:
    TrickplayTrackFactory.create(
        video=local_movie.video, trickplay_url=f"{settings.LOCAL_ORIGIN_URL}quiet/thumbs/thumbs.vtt"
    )
    session_id = start(viewer, local_movie)

    vtt = edge.get(viewer, session_id, "thumbs/thumbs.vtt")
    sprite = edge.get(viewer, session_id, "thumbs/sprite-0.jpg")

    assert (vtt.status, vtt.body) == (200, VTT)
    assert (sprite.status, sprite.body, sprite.content_type) == (200, SPRITE, "image/jpeg")


def test_both_edges_refuse_the_thumbnails_of_a_failed_build(
    edge: Edge, viewer: Client, local_movie: Movie
) -> None:
    TrickplayTrackFactory.create(
        video=local_movie.video, trickplay_url="", status=TrickplayStatus.FAILED
    )
    session_id = start(viewer, local_movie)

    # The files are on disk, but no READY track names them.
    answer = edge.get(viewer, session_id, "thumbs/sprite-0.jpg")

    assert (answer.status, answer.code) == (404, "not_found")


def test_both_edges_refuse_a_path_out_of_the_thumbs_folder(
    edge: Edge, viewer: Client, local_movie: Movie, settings: Settings
) -> None:
    TrickplayTrackFactory.create(
        video=local_movie.video, trickplay_url=f"{settings.LOCAL_ORIGIN_URL}quiet/thumbs/thumbs.vtt"
    )
    session_id = start(viewer, local_movie)

    answer = edge.get(viewer, session_id, "thumbs/..%2F..%2Fother%2Fmaster.m3u8")

    assert answer.status in (400, 404)
    assert b"the other title" not in answer.body
