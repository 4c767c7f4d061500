"""The self-hosted edge in front of a remote origin (object storage over HTTPS)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.cast import Household
from tests.factories import MovieFactory, StreamSourceFactory
from tests.media_server import Answer, MediaServer, media_server_fixture  # noqa: F401

MASTER = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=420000\nlow.m3u8\n"
SEGMENT = bytes([0x47]) * 188 * 4  # four MPEG-TS packets' worth of sync bytes


def start(viewer: Client, movie_pk: object) -> dict[str, str]:
    response = viewer.post(
        reverse("playback:start", args=[movie_pk]), data={}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data: dict[str, str] = response.json()
    return data


def test_it_fetches_a_remote_origins_playlist_and_segments_through_the_safe_fetcher(
    media_server: MediaServer, household: Household, viewer: Client
) -> None:
    media_server.add("/vod/title/master.m3u8", MASTER, content_type="application/vnd.apple.mpegurl")
    media_server.add("/vod/title/low/seg0.ts", SEGMENT, content_type="video/mp2t")
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(
        video=movie.video, stream_url=media_server.url("/vod/title/master.m3u8")
    )
    session = start(viewer, movie.pk)
    edge = session["playlist_url"].removesuffix("master.m3u8")

    playlist = viewer.get(session["playlist_url"])
    segment = viewer.get(edge + "low/seg0.ts")

    assert (playlist.status_code, playlist.content) == (200, MASTER)
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    assert (segment.status_code, segment.content) == (200, SEGMENT)
    # The browser only ever saw the edge's addresses; the origin saw the portal.
    assert media_server.requests == ["/vod/title/master.m3u8", "/vod/title/low/seg0.ts"]
    assert "localhost" not in session["playlist_url"]


def test_it_answers_502_when_the_remote_origin_fails(
    media_server: MediaServer, household: Household, viewer: Client
) -> None:
    media_server.add("/vod/gone/master.m3u8", Answer(status=404))
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(
        video=movie.video, stream_url=media_server.url("/vod/gone/master.m3u8")
    )
    session = start(viewer, movie.pk)

    response = viewer.get(session["playlist_url"])

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "origin_unreachable"


def test_it_never_proxies_an_origin_on_a_private_address(
    media_server: MediaServer, household: Household, viewer: Client, settings: object
) -> None:
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(video=movie.video, stream_url=media_server.url("/vod/x/master.m3u8"))
    session = start(viewer, movie.pk)
    settings.MEDIA_FETCH_ALLOWED_NETWORKS = []  # type: ignore[attr-defined]  # production

    response = viewer.get(session["playlist_url"])

    assert response.status_code == 502
    assert "private or reserved address" in response.json()["error"]["message"]
    assert media_server.requests == []
