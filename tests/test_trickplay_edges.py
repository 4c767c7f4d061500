"""Trickplay on both edges (tests/edges.py): the nginx edge hands ``thumbs/`` to the portal's
edge, as it does captions, so both serve the session's own READY track and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django import Settings

from catalog.models import Movie, TrickplayStatus
from tests.cast import Household
from tests.edges import (
    Edge,
    fixture_edge,  # noqa: F401 - a fixture
    fixture_household,  # noqa: F401 - a fixture
    fixture_origin,  # noqa: F401 - a fixture
    local_movie_create,
    start,
)
from tests.factories import TrickplayTrackFactory

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nsprite-0.jpg#xywh=0,0,160,90\n"
SPRITE = b"\xff\xd8\xff\xe0 the session's own sprite"

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def local_movie(settings: Settings, origin: Path, household: Household) -> Movie:
    """The shared movie (tests/edges.py), with a trickplay track's files beside its stream."""
    movie = local_movie_create(settings, origin)
    (origin / "quiet" / "thumbs").mkdir()
    (origin / "quiet" / "thumbs" / "thumbs.vtt").write_bytes(VTT)
    (origin / "quiet" / "thumbs" / "sprite-0.jpg").write_bytes(SPRITE)
    return movie


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
