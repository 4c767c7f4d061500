"""Trickplay through the edge: the start response names the thumbnails track when it is
READY, and the edge serves ``thumbs/…`` from the session's own video's track only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from catalog.models import MaturityRating, Movie, TrickplayStatus
from tests.cast import Household, sign_in
from tests.factories import MovieFactory, StreamSourceFactory, TrickplayTrackFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nsprite-0.jpg#xywh=0,0,160,90\n"
SPRITE = b"\xff\xd8\xff\xe0 own sprite"
OTHER_SPRITE = b"\xff\xd8\xff\xe0 the other title's sprite"


@pytest.fixture
def origin(settings: Settings, tmp_path: Path) -> Path:
    root = tmp_path / "origin"
    for folder, sprite in (("own", SPRITE), ("other", OTHER_SPRITE)):
        (root / folder / "thumbs").mkdir(parents=True)
        (root / folder / "master.m3u8").write_bytes(b"#EXTM3U\n")
        (root / folder / "thumbs" / "thumbs.vtt").write_bytes(VTT)
        (root / folder / "thumbs" / "sprite-0.jpg").write_bytes(sprite)
    (tmp_path / "secret.jpg").write_bytes(b"outside the origin")
    settings.LOCAL_ORIGIN_ROOT = root
    return root


def titled(settings: Settings, folder: str, status: str = TrickplayStatus.READY) -> Movie:
    movie: Movie = MovieFactory.create(media=False, maturity_rating=MaturityRating.ALL)
    base = settings.LOCAL_ORIGIN_URL
    StreamSourceFactory.create(video=movie.video, stream_url=f"{base}{folder}/master.m3u8")
    url = f"{base}{folder}/thumbs/thumbs.vtt" if status == TrickplayStatus.READY else ""
    TrickplayTrackFactory.create(video=movie.video, trickplay_url=url, status=status)
    return movie


@pytest.fixture
def viewer(client: Client, household: Household) -> Client:
    return sign_in(client, household, household.adult)


def started(client: Client, movie: Movie) -> dict[str, Any]:
    response = client.post(reverse("playback:start", args=[movie.pk]))
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_start_response_names_a_ready_track_through_the_edge(
    viewer: Client, settings: Settings, origin: Path
) -> None:
    body = started(viewer, titled(settings, "own"))

    assert body["trickplay"] == {"url": f"/edge/{body['session_id']}/thumbs/thumbs.vtt"}


@pytest.mark.parametrize("status", [TrickplayStatus.PENDING, TrickplayStatus.FAILED])
def test_the_start_response_has_no_track_until_it_is_ready(
    viewer: Client, settings: Settings, origin: Path, status: str
) -> None:
    assert started(viewer, titled(settings, "own", status))["trickplay"] is None


def test_the_edge_serves_the_sessions_own_vtt_and_sprite(
    viewer: Client, settings: Settings, origin: Path
) -> None:
    session = started(viewer, titled(settings, "own"))["session_id"]

    vtt = viewer.get(f"/edge/{session}/thumbs/thumbs.vtt")
    sprite = viewer.get(f"/edge/{session}/thumbs/sprite-0.jpg")

    assert (vtt.status_code, body_of(vtt)) == (200, VTT)
    assert vtt["Content-Type"].startswith("text/vtt")
    assert (sprite.status_code, body_of(sprite), sprite["Content-Type"]) == (
        200,
        SPRITE,
        "image/jpeg",
    )


def test_the_edge_serves_no_thumbs_of_a_failed_track(
    viewer: Client, settings: Settings, origin: Path
) -> None:
    session = started(viewer, titled(settings, "own", TrickplayStatus.FAILED))["session_id"]

    assert viewer.get(f"/edge/{session}/thumbs/thumbs.vtt").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "thumbs/../../other/thumbs/sprite-0.jpg",
        "thumbs/..%2F..%2Fother%2Fthumbs%2Fsprite-0.jpg",
        "thumbs/%2e%2e/%2e%2e/secret.jpg",
        "thumbs/../../../secret.jpg",
        "thumbs/.hidden.jpg",
        "thumbs/sub/sprite-0.jpg",
        "thumbs/sprite-0.txt",
        "thumbs/sprite-0.jpg%00",
        "thumbs/https://evil.example/x.jpg",
        "thumbs/",
        "thumbs",
        "../other/thumbs/sprite-0.jpg",
    ],
)
def test_the_edge_refuses_thumbs_paths_outside_the_sessions_track(
    viewer: Client, settings: Settings, origin: Path, path: str
) -> None:
    titled(settings, "other")
    session = started(viewer, titled(settings, "own"))["session_id"]

    response = viewer.get(f"/edge/{session}/{path}")

    assert response.status_code == 404, path
    assert json.loads(response.content)["error"]["code"] == "not_found"
