"""The edge opens only what the session owns: its own stream's folder and its video's captions.

A viewer with a valid token for their own session names other paths: another title's files
(an 18+ title from a kids profile, a hidden title), absolute and scheme-relative URLs,
encoded separators, backslashes, over-long names. Each is a 404 before any file is opened or
any network is touched; a spy on the fetcher proves the second half for a remote origin.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import Settings

from catalog.models import MaturityRating, Movie, Visibility
from playback import edge, live, views
from streaming_portal.infra.fetch import FetchResult
from tests.cast import Household, sign_in
from tests.factories import CaptionTrackFactory, MovieFactory, StreamSourceFactory

pytestmark = pytest.mark.usefixtures("fast_passwords")

OWN = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:4.0,\n720p/seg0.ts\n#EXT-X-ENDLIST\n"
SEGMENT = bytes(range(188)) * 2
ADULT = b"#EXTM3U\n# the 18+ title\n"
HIDDEN = b"#EXTM3U\n# the hidden title\n"
SECRET = b"a file outside the origin"
FORBIDDEN_BODIES = (ADULT, HIDDEN, SECRET)
REMOTE_MASTER = "https://media.example.net/titles/kelp/master.m3u8"


@pytest.fixture
def origin(settings: Settings, tmp_path: Path) -> Path:
    root = tmp_path / "origin"
    for folder, body in (("kids-show", OWN), ("adult", ADULT), ("hidden", HIDDEN)):
        (root / folder / "720p").mkdir(parents=True)
        (root / folder / "master.m3u8").write_bytes(body)
        (root / folder / "720p" / "seg0.ts").write_bytes(SEGMENT)
        (root / folder / "en.vtt").write_bytes(b"WEBVTT\n\n00:00.000 --> 00:01.000\n" + body)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    settings.LOCAL_ORIGIN_ROOT = root
    return root


def titled(settings: Settings, folder: str, **fields: Any) -> Movie:
    movie: Movie = MovieFactory.create(media=False, **fields)
    base = settings.LOCAL_ORIGIN_URL
    StreamSourceFactory.create(video=movie.video, stream_url=f"{base}{folder}/master.m3u8")
    CaptionTrackFactory.create(video=movie.video, caption_url=f"{base}{folder}/en.vtt")
    return movie


@pytest.fixture
def titles(settings: Settings, origin: Path) -> dict[str, Movie]:
    return {
        "kids-show": titled(settings, "kids-show", maturity_rating=MaturityRating.ALL),
        "adult": titled(settings, "adult", maturity_rating=MaturityRating.AGE_18),
        "hidden": titled(settings, "hidden", visibility=Visibility.HIDDEN),
    }


@pytest.fixture
def kid(client: Client, household: Household) -> Client:
    return sign_in(client, household, household.kids)


def start(client: Client, movie: Movie) -> str:
    response = client.post(reverse("playback:start", args=[movie.pk]))
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"])


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_it_serves_the_sessions_own_files(kid: Client, titles: dict[str, Movie]) -> None:
    session = start(kid, titles["kids-show"])

    assert body_of(kid.get(f"/edge/{session}/master.m3u8")) == OWN
    assert body_of(kid.get(f"/edge/{session}/720p/seg0.ts")) == SEGMENT


def test_it_refuses_a_kids_profile_its_own_start_of_an_adult_title(
    kid: Client, titles: dict[str, Movie]
) -> None:
    response = kid.post(reverse("playback:start", args=[titles["adult"].pk]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "title_unavailable"


ORIGIN_URL = "https://origin.portal.localhost"
ATTACKS = [
    "../adult/master.m3u8",
    "../hidden/master.m3u8",
    "720p/../../adult/master.m3u8",
    "../../secret.txt",
    "..%2Fadult%2Fmaster.m3u8",
    "%2e%2e/adult/master.m3u8",
    "%2E%2E%2Fadult%2Fmaster.m3u8",
    "..%5Cadult%5Cmaster.m3u8",
    "..\\adult\\master.m3u8",
    "720p\\..\\..\\adult\\master.m3u8",
    f"{ORIGIN_URL}/adult/master.m3u8",
    f"{ORIGIN_URL}/hidden/master.m3u8",
    "https:/origin.portal.localhost/adult/master.m3u8",
    "//origin.portal.localhost/adult/master.m3u8",
    "%2F%2Forigin.portal.localhost%2Fadult%2Fmaster.m3u8",
    "/adult/master.m3u8",
    "ABSOLUTE",
    "adult/master.m3u8%00",
    "master.m3u8%00.ts",
    ".%2e/adult/master.m3u8",
    "./master.m3u8",
    "720p//seg0.ts",
    "\uff4daster.m3u8",  # a fullwidth m
    "a" * 300 + ".ts",
    "/".join(["720p"] * 40) + "/seg0.ts",
    "captions/../../adult/en.vtt",
    "captions/ADULT",
]


@pytest.mark.parametrize("path", ATTACKS)
def test_it_refuses_every_path_the_session_does_not_own(
    kid: Client, titles: dict[str, Movie], origin: Path, path: str
) -> None:
    session = start(kid, titles["kids-show"])
    if path == "ABSOLUTE":
        path = str(origin / "adult" / "master.m3u8")  # /edge/<session>//tmp/.../master.m3u8
    if path == "captions/ADULT":
        path = f"captions/{titles['adult'].video.caption_tracks.get().pk}.vtt"

    response = kid.get(f"/edge/{session}/{path}")

    assert response.status_code == 404, (path, response.status_code)
    assert json.loads(response.content)["error"]["code"] == "not_found"
    served = body_of(response)
    assert not any(forbidden in served for forbidden in FORBIDDEN_BODIES)


def test_it_refuses_another_videos_caption_by_id(kid: Client, titles: dict[str, Movie]) -> None:
    session = start(kid, titles["kids-show"])
    hidden_caption = titles["hidden"].video.caption_tracks.get()

    response = kid.get(f"/edge/{session}/captions/{hidden_caption.pk}.vtt")

    assert response.status_code == 404


# --- A remote origin: nothing is fetched that is not under the session's stream ---------------


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL the edge asks the fetcher for (the network is what leaves the machine)."""
    calls: list[str] = []

    def spy(url: str, **_: Any) -> FetchResult:
        calls.append(url)
        return FetchResult(url=url, status=200, content_type="video/mp2t", body=SEGMENT)

    monkeypatch.setattr(views, "fetch", spy)
    return calls


@pytest.fixture
def remote_movie(db: None) -> Movie:
    movie: Movie = MovieFactory.create(media=False, maturity_rating=MaturityRating.ALL)
    StreamSourceFactory.create(video=movie.video, stream_url=REMOTE_MASTER)
    return movie


def test_it_fetches_only_urls_under_the_sessions_own_stream(
    kid: Client, remote_movie: Movie, fetched: list[str]
) -> None:
    session = start(kid, remote_movie)

    assert kid.get(f"/edge/{session}/master.m3u8").status_code == 200
    assert kid.get(f"/edge/{session}/720p/seg0.ts").status_code == 200

    assert fetched == [REMOTE_MASTER, "https://media.example.net/titles/kelp/720p/seg0.ts"]


@pytest.mark.parametrize(
    "path",
    [
        "https://attacker.example/payload",
        "https:/attacker.example/payload",
        "//attacker.example/payload",
        "%2F%2Fattacker.example%2Fpayload",
        "../../other/master.m3u8",
        "..%2F..%2Fother%2Fmaster.m3u8",
        "@attacker.example/x.ts",
        "seg0.ts?redirect=https://attacker.example",
        "x:y/seg0.ts",
    ],
)
def test_it_is_no_open_proxy(
    kid: Client, remote_movie: Movie, fetched: list[str], path: str
) -> None:
    session = start(kid, remote_movie)

    response = kid.get(f"/edge/{session}/{path}")

    if response.status_code == 200:  # "seg0.ts?redirect=..." is seg0.ts with a query
        assert fetched == ["https://media.example.net/titles/kelp/seg0.ts"]
    else:
        assert response.status_code == 404
        assert fetched == []


# --- The property: whatever the path, the URL is the session's own --------------------------


@pytest.mark.fuzz
@given(
    path=st.one_of(
        st.text(max_size=120),
        st.lists(
            st.sampled_from(["..", ".", "", "720p", "seg0.ts", "%2F", "\\", "http:", "a" * 200]),
            max_size=6,
        ).map("/".join),
    )
)
def test_it_derives_every_origin_url_from_the_sessions_stream(
    remote_movie: Movie, path: str
) -> None:
    stream = remote_movie.video.stream_sources.get()
    session = live.SessionState(
        profile_id=1,
        account_id=1,
        video_id=str(remote_movie.pk),
        stream_id=str(stream.pk),
        duration=remote_movie.video.duration_seconds,
        position=0,
        last_seen_ms=0,
        ended=False,
        refusal=None,
    )

    url = edge.origin_url(session, path)

    assert url is None or url.startswith("https://media.example.net/titles/kelp/")
    if url is not None:
        assert "/.." not in url
        assert "\\" not in url
        assert "//" not in url.removeprefix("https://")
