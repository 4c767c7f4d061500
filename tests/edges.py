"""The two edges behind one interface, for the token tests both must pass.

- ``DjangoEdge``: the portal's own edge (playback/views.edge_file) through the test client.
- ``NginxEdge``: Debian's nginx with deploy/nginx/edge.js, configured by playback.edge_config
  from the test's settings, in front of the live server (captions and streams on other hosts
  go to the portal's edge). The request carries the test client's cookies exactly as a
  browser sends them back, quotes included.

Both answer an ``EdgeAnswer``; tests never look at which edge answered.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from django.test import Client

from bench.environment import free_port
from deploy.nginx_edge import Nginx, user_directive
from playback import live
from playback.edge_config import EdgeLayout, edge_config_write
from playback.revocations import markers_write, revocations_since


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
