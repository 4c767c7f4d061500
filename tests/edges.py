"""The two edges behind one interface, for the token tests both must pass.

- ``DjangoEdge``: the portal's own edge (playback/views.edge_file) through the test client.
- ``NginxEdge``: Debian's nginx with deploy/nginx/edge.js, configured by playback.edge_config
  from the test's settings, in front of the live server (captions and streams on other hosts
  go to the portal's edge). The request carries the test client's cookies exactly as a
  browser sends them back, quotes included.

Both answer an ``EdgeAnswer``; tests never look at which edge answered.

The fixtures at the end (``edge``, ``household``, ``local_movie``, ``origin``) are for the
modules that test both edges. Each is defined as ``fixture_<name>`` with ``name="<name>"``, so a
module imports it by that name and its tests still ask for ``edge`` without shadowing an import::

    from tests.edges import (
        fixture_edge,  # noqa: F401 - a fixture
        fixture_household,  # noqa: F401 - a fixture
        ...
    )

Import ``household`` with the others: conftest's own is on ``db``, which the nginx runs cannot use.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from bench.environment import free_port
from catalog.models import Movie
from deploy.nginx_edge import MISSING, Nginx, nginx_binary, user_directive
from playback import live
from playback.edge_config import EdgeLayout, edge_config_write
from playback.revocations import markers_write, revocations_since
from tests.cast import Household, demo_household_create
from tests.factories import CaptionTrackFactory, MovieFactory, StreamSourceFactory

PLAYLIST = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:4.0,\n720p/seg0.ts\n#EXT-X-ENDLIST\n"
SEGMENT = bytes(range(188)) * 4
CAPTIONS = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n"
OUTSIDE = b"a file outside the origin"
NEEDS_NGINX = pytest.mark.skipif(nginx_binary() is None, reason=MISSING)


@dataclass(frozen=True)
class EdgeAnswer:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]

    @property
    def code(self) -> str:
        """The refusal's error code (a JSON error body with exactly code and message)."""
        body = json.loads(self.body)
        assert set(body["error"]) == {"code", "message"}, body
        return str(body["error"]["code"])


class Edge(Protocol):
    name: str

    def get(self, client: Client, session_id: str, path: str) -> EdgeAnswer: ...

    def get_with_cookie_header(self, header: str, session_id: str, path: str) -> EdgeAnswer:
        """The request with exactly this Cookie header (repeated names included)."""

    def keys_changed(self) -> None:
        """The operator's step after STREAM_SIGNING_KEYS changed."""

    def sessions_ended(self) -> None:
        """What runs beside the edge after a session ended (nothing, or the revocation sync)."""


class DjangoEdge:
    name = "django"

    def get(self, client: Client, session_id: str, path: str) -> EdgeAnswer:
        response: Any = client.get(f"/edge/{session_id}/{path}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return EdgeAnswer(
            response.status_code, response.get("Content-Type", ""), body, dict(response.items())
        )

    def get_with_cookie_header(self, header: str, session_id: str, path: str) -> EdgeAnswer:
        response: Any = Client(HTTP_COOKIE=header).get(f"/edge/{session_id}/{path}")
        return EdgeAnswer(
            response.status_code, response.get("Content-Type", ""), response.content, {}
        )

    def keys_changed(self) -> None:
        return None

    def sessions_ended(self) -> None:
        return None


class NginxEdge:
    name = "nginx"

    def __init__(self, folder: Path, portal_port: int) -> None:
        self.port = free_port()
        self.layout = EdgeLayout(
            config_dir=folder,
            listen=f"127.0.0.1:{self.port}",
            portal_nodes=[f"127.0.0.1:{portal_port}"],
            user=user_directive(),
        )
        self.server = Nginx(edge_config_write(self.layout), port=self.port)

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def get(self, client: Client, session_id: str, path: str) -> EdgeAnswer:
        return self.raw_get(f"/edge/{session_id}/{path}", browser_cookies(client))

    def get_with_cookie_header(self, header: str, session_id: str, path: str) -> EdgeAnswer:
        return self.raw_get(f"/edge/{session_id}/{path}", header)

    def raw_get(self, target: str, cookie_header: str) -> EdgeAnswer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            # The path as the test wrote it: percent signs and dots reach nginx untouched.
            connection.putrequest(
                "GET", quote(target, safe="/%~+-._"), skip_host=True, skip_accept_encoding=True
            )
            connection.putheader("Host", "localhost")
            if cookie_header:
                connection.putheader("Cookie", cookie_header)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return EdgeAnswer(response.status, headers.get("content-type", ""), body, headers)
        finally:
            connection.close()

    def keys_changed(self) -> None:
        # Production reloads (`nginx -s reload`); a restart makes the test deterministic.
        edge_config_write(self.layout)
        self.server.stop()
        self.server.start()

    def sessions_ended(self) -> None:
        sessions, _ = revocations_since(live.redis(), 0)
        markers_write(self.layout.revocations, sessions)


def browser_cookies(client: Client) -> str:
    """The Cookie header a browser sends back: each value exactly as Set-Cookie gave it."""
    return "; ".join(f"{name}={morsel.coded_value}" for name, morsel in client.cookies.items())


def local_origin_create(settings: Settings, folder: Path) -> Path:
    """A local origin in ``folder``/origin, with a file beside it that must stay private and
    another title's stream that one session's token must not reach."""
    root = folder / "origin"
    root.mkdir()
    settings.LOCAL_ORIGIN_ROOT = root
    (folder / "secret.txt").write_bytes(OUTSIDE)
    (root / "other").mkdir()
    (root / "other" / "master.m3u8").write_bytes(b"#EXTM3U\n# the other title\n")
    return root


def local_movie_create(settings: Settings, origin: Path) -> Movie:
    """A movie whose stream and captions are real files in the local origin."""
    movie: Movie = MovieFactory.create(title="Quiet Harbour", media=False)
    base = settings.LOCAL_ORIGIN_URL
    StreamSourceFactory.create(video=movie.video, stream_url=f"{base}quiet/master.m3u8")
    CaptionTrackFactory.create(video=movie.video, caption_url=f"{base}quiet/en.vtt")
    (origin / "quiet" / "720p").mkdir(parents=True)
    (origin / "quiet" / "master.m3u8").write_bytes(PLAYLIST)
    (origin / "quiet" / "720p" / "seg0.ts").write_bytes(SEGMENT)
    (origin / "quiet" / "en.vtt").write_bytes(CAPTIONS)
    return movie


def edge_running(
    name: str, request: pytest.FixtureRequest, folder: Path, settings: Settings
) -> Iterator[Edge]:
    """For a fixture: the named edge, ready; nginx in front of the live server, stopped after.
    Render it after the settings it depends on (origin, keys, bucket) are in place."""
    if name == "django":
        yield DjangoEdge()
        return
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    live_server = request.getfixturevalue("live_server")
    server = NginxEdge(folder, int(urlsplit(live_server.url).port or 0))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def start(client: Client, movie: Movie) -> str:
    """A playback session of ``movie`` for the signed-in ``client``: its id."""
    response = client.post(
        reverse("playback:start", args=[movie.pk]), "{}", content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return str(response.json()["session_id"])


# --- Fixtures, imported by name (see the module's docstring) ------------------------------------


@pytest.fixture(name="household")
def fixture_household(transactional_db: None) -> Household:
    """Committed rows: the nginx edge hands captions and thumbs to the live server, another
    thread, which never sees an uncommitted test transaction."""
    return demo_household_create()


@pytest.fixture(name="origin")
def fixture_origin(settings: Settings, tmp_path: Path) -> Path:
    return local_origin_create(settings, tmp_path)


@pytest.fixture(name="local_movie")
def fixture_local_movie(settings: Settings, origin: Path, household: Household) -> Movie:
    return local_movie_create(settings, origin)


@pytest.fixture(name="edge", params=["django", pytest.param("nginx", marks=NEEDS_NGINX)])
def fixture_edge(
    request: pytest.FixtureRequest, origin: Path, tmp_path: Path, settings: Settings
) -> Iterator[Edge]:
    """Each edge in turn (ids ``[django]`` and ``[nginx]``); the nginx run is skipped without it."""
    yield from edge_running(request.param, request, tmp_path / "edge", settings)
