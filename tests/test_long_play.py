"""A long play: a two-hour title watched start to end with token lifetimes cut to seconds,
through a pause longer than a token's life, a quality switch and a seek, on both edges.

The player's own rhythm is kept (playback/views.py, docs/api.md): the token renewed every
half-life, a heartbeat every interval, segments in order. Time is compressed: segments are
fetched a few milliseconds apart, so two hours of four-second segments take about ten
seconds, and each token lives two, so several lifetimes pass. No request may be refused.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from catalog.models import Movie
from tests.cast import Household
from tests.edges import (
    SEGMENT,
    Edge,
    fixture_edge,  # noqa: F401 - a fixture
    fixture_household,  # noqa: F401 - a fixture
    fixture_origin,  # noqa: F401 - a fixture
)
from tests.factories import CaptionTrackFactory, MovieFactory, StreamSourceFactory

SEGMENT_SECONDS = 4
MINUTES = 120
SEGMENTS = MINUTES * 60 // SEGMENT_SECONDS  # 1,800 per rendition
TOKEN_SECONDS = 2
# Between two segments: so that two hours pass in about ten seconds, five token lifetimes.
SEGMENT_GAP = 0.005
VARIANTS = ("720p", "360p")


@pytest.fixture(autouse=True)
def _short_tokens(settings: Settings) -> None:
    settings.STREAM_TOKEN_TTL_SECONDS = TOKEN_SECONDS


@pytest.fixture
def long_movie(settings: Settings, origin: Path, household: Household) -> Movie:
    """Two hours in two renditions: 1,800 four-second segments each (hard links to one)."""
    movie: Movie = MovieFactory.create(
        title="The Long Crossing", duration_minutes=MINUTES, media=False
    )
    base = settings.LOCAL_ORIGIN_URL
    StreamSourceFactory.create(video=movie.video, stream_url=f"{base}long/master.m3u8")
    CaptionTrackFactory.create(video=movie.video, caption_url=f"{base}long/en.vtt")
    folder = origin / "long"
    folder.mkdir()
    master = ["#EXTM3U"]
    for name, bandwidth in zip(VARIANTS, (3_000_000, 800_000), strict=True):
        master += [f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth}", f"{name}/index.m3u8"]
        (folder / name).mkdir()
        first = folder / name / "seg0.ts"
        first.write_bytes(SEGMENT)
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}"]
        for index in range(SEGMENTS):
            if index:
                (folder / name / f"seg{index}.ts").hardlink_to(first)
            lines += [f"#EXTINF:{SEGMENT_SECONDS}.0,", f"seg{index}.ts"]
        (folder / name / "index.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
    (folder / "master.m3u8").write_text("\n".join([*master, ""]))
    (folder / "en.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nDeparture\n")
    return movie


class Player:
    """What the watch page's script does, on the wire."""

    def __init__(self, client: Client, edge: Edge, movie: Movie) -> None:
        self.client, self.edge = client, edge
        started = client.post(
            reverse("playback:start", args=[movie.pk]), "{}", content_type="application/json"
        )
        assert started.status_code == 201, started.content
        self.session_id = str(started.json()["session_id"])
        self.renew_every = started.json()["token_renew_seconds"]
        self.renewed_at = time.monotonic()
        self.answers: Counter[str] = Counter()
        self.refused: list[str] = []

    def keep_up(self, position: float, *, event: str = "tick") -> None:
        """The player's timers: renew the token every half-life, and beat."""
        if time.monotonic() - self.renewed_at >= self.renew_every:
            renewed = self.client.post(reverse("playback:token", args=[self.session_id]))
            self.note("token", renewed.status_code)
            self.renewed_at = time.monotonic()
            beat = self.client.post(
                reverse("playback:heartbeat", args=[self.session_id]),
                {"position_seconds": position, "event": event},
                content_type="application/json",
            )
            self.note("heartbeat", beat.status_code)

    def get(self, path: str) -> None:
        answer = self.edge.get(self.client, self.session_id, path)
        self.note(path.rsplit("/", 1)[-1].rsplit(".", maxsplit=1)[-1], answer.status, path)

    def note(self, kind: str, status: int, what: str = "") -> None:
        self.answers[kind] += 1
        if status != 200:
            self.refused.append(f"{status} {kind} {what}")

    def play(self, variant: str, first: int, last: int) -> None:
        self.get(f"{variant}/index.m3u8")
        for index in range(first, last):
            self.keep_up(index * SEGMENT_SECONDS)
            self.get(f"{variant}/seg{index}.ts")
            time.sleep(SEGMENT_GAP)

    def pause(self, seconds: float, position: float) -> None:
        """Paused longer than a token lives: the timers go on, no segment is asked for."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self.keep_up(position, event="pause")
            time.sleep(0.2)


def test_two_hours_with_a_pause_a_quality_switch_and_a_seek_refuse_nothing(
    edge: Edge, viewer: Client, long_movie: Movie
) -> None:
    player = Player(viewer, edge, long_movie)
    began = time.monotonic()

    player.get("master.m3u8")
    player.get(f"captions/{long_movie.video.caption_tracks.get().pk}.vtt")
    player.play("720p", 0, 600)  # the first 40 minutes in high quality
    player.pause(TOKEN_SECONDS * 1.5, 600 * SEGMENT_SECONDS)  # longer than a token lives
    player.play("720p", 600, 900)
    player.play("360p", 900, 1200)  # the network slows: the lower rendition
    player.play("360p", 1700, SEGMENTS)  # a seek near the end
    ended = viewer.post(
        reverse("playback:end", args=[player.session_id]),
        {"position_seconds": SEGMENTS * SEGMENT_SECONDS, "reason": "ended"},
        content_type="application/json",
    )

    elapsed = time.monotonic() - began
    assert player.refused == []
    assert ended.status_code == 200
    assert player.answers["ts"] == 900 + 300 + 100
    assert player.answers["m3u8"] == 5
    # Many token lifetimes passed, and the token was renewed through all of them.
    assert elapsed > 3 * TOKEN_SECONDS
    assert player.answers["token"] >= elapsed // player.renew_every - 1
