"""A local HTTPS server for media checks: real TLS, real sockets, scripted answers.

The certificate comes from a throwaway CA made with ``trustme``; the CA is written to a file
that the ``media_server`` fixture hands to the fetcher as MEDIA_FETCH_CA_BUNDLE, so the
fetcher verifies TLS exactly as in production, only with one more trusted CA. The fixture
also admits 127.0.0.0/8 (MEDIA_FETCH_ALLOWED_NETWORKS), in the settings of this process and
in the environment, so that a Celery worker started after it (request ``media_server``
before ``celery_worker_process``) trusts and reaches the same server.

Use it in a test module by importing ``media_server_fixture`` (see the fixture's comment),
then ask for ``media_server``. Register what each path answers::

    media_server.add("/a/master.m3u8", MASTER, content_type="application/vnd.apple.mpegurl")
    media_server.redirect("/old.m3u8", "/a/master.m3u8")
    media_server.slow("/hang.m3u8", seconds=5)     # answers after the client gave up
    media_server.reset("/reset.m3u8")              # TCP reset instead of an answer
    media_server.mount("/media/", folder)          # files from a folder
    media_server.add("/flaky.m3u8", Answer(503), Answer(200, body=...))  # in turn

Any other path answers 404. ``requests`` lists the paths asked for, in order.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import struct
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import trustme

# The names the server's certificate is issued for. The extra .test name lets a test point a
# scripted DNS answer at this server (the .test domain never resolves on the internet).
CERTIFICATE_NAMES = ("localhost", "127.0.0.1", "media.example.test")
ALLOWED_NETWORKS = "127.0.0.0/8"
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".vtt": "text/vtt; charset=utf-8",
    ".ttml": "application/ttml+xml",
    ".xml": "application/xml",
}


@dataclass(frozen=True)
class Answer:
    """One scripted answer. ``declare_length=False`` sends the body without Content-Length
    (the end of the body is the end of the connection); ``delay`` waits before answering;
    ``trickle`` sends the body one byte at a time, waiting that long between bytes;
    ``reset`` drops the connection with a TCP reset instead of answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declare_length: bool = True
    delay: float = 0.0
    trickle: float = 0.0
    reset: bool = False


class MediaServer:
    def __init__(self, ca: trustme.CA, ca_file: Path) -> None:
        self.ca_file = ca_file
        self.requests: list[str] = []
        self.hosts: list[str] = []  # the Host header of each request
        self.errors: list[BaseException] = []  # what handlers raised (resets, aborted TLS)
        self._routes: dict[str, list[Answer]] = {}
        self._mounts: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*CERTIFICATE_NAMES).configure_cert(context)
        self._server = _TLSServer(("127.0.0.1", 0), _Handler, context=context, media=self)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- what it answers ---------------------------------------------------------------------

    def url(self, path: str, *, host: str = "localhost") -> str:
        return f"https://{host}:{self.port}/{path.lstrip('/')}"

    def add(
        self,
        path: str,
        *answers: Answer | bytes | str,
        content_type: str = "",
        status: int = 200,
    ) -> str:
        """Answer ``path`` with each answer in turn, the last one from then on; a plain body
        is sent with ``status`` and ``content_type``. Returns the path's URL."""
        scripted = [
            answer
            if isinstance(answer, Answer)
            else Answer(
                status=status,
                body=answer.encode() if isinstance(answer, str) else answer,
                headers={"Content-Type": content_type} if content_type else {},
            )
            for answer in answers
        ] or [Answer(status=status)]
        with self._lock:
            self._routes[path] = scripted
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.add(path, Answer(status=status, headers={"Location": location}))

    def slow(self, path: str, *, seconds: float, body: bytes = b"#EXTM3U\n") -> str:
        return self.add(path, Answer(body=body, delay=seconds))

    def reset(self, path: str) -> str:
        return self.add(path, Answer(reset=True))

    def mount(self, prefix: str, folder: Path) -> None:
        """Serve the files under ``folder`` at ``prefix`` (typed by their suffix)."""
        with self._lock:
            self._mounts["/" + prefix.strip("/") + "/"] = folder

    def hits(self, path: str) -> int:
        with self._lock:
            return self.requests.count(path)

    # --- running -----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # wakes slow answers, so every handler thread ends promptly
        self._server.shutdown()
        self._server.server_close()  # joins the handler threads
        self._thread.join(timeout=10)

    def answer_for(self, path: str) -> Answer:
        with self._lock:
            scripted = self._routes.get(path)
            if scripted is not None:
                return scripted.pop(0) if len(scripted) > 1 else scripted[0]
            mounts = list(self._mounts.items())
        for prefix, folder in mounts:
            if path.startswith(prefix):
                file = (folder / path[len(prefix) :]).resolve()
                if file.is_file() and file.is_relative_to(folder.resolve()):
                    return Answer(
                        body=file.read_bytes(),
                        headers={
                            "Content-Type": CONTENT_TYPES.get(
                                file.suffix, "application/octet-stream"
                            )
                        },
                    )
        return Answer(status=404, body=b"not found", headers={"Content-Type": "text/plain"})

    def record(self, path: str, host: str) -> None:
        with self._lock:
            self.requests.append(path)
            self.hosts.append(host)

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _TLSServer(socketserver.ThreadingTCPServer):
    # Not HTTPServer: its server_bind looks the host name up, which this server never needs.
    daemon_threads = False  # server_close() joins them: nothing outlives the fixture
    block_on_close = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: Any, *, context: ssl.SSLContext, media: Any
    ) -> None:
        super().__init__(address, handler)
        self.context = context
        self.media: MediaServer = media

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        # The handshake runs in the handler's thread (on its first read), so a client that
        # refuses the certificate cannot stall the accepting thread.
        wrapped = self.context.wrap_socket(
            connection, server_side=True, do_handshake_on_connect=False
        )
        return wrapped, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None:
            self.media.errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    server: _TLSServer
    timeout = 10  # a silent client cannot hold a handler thread for long

    def do_GET(self) -> None:
        media = self.server.media
        path = urlsplit(self.path).path
        media.record(path, self.headers.get("Host", ""))
        answer = media.answer_for(path)
        if answer.delay:
            media.wait(answer.delay)
        if answer.reset:
            self._reset()
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.declare_length:
            self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            if answer.trickle:
                for byte in answer.body:
                    self.wfile.write(bytes([byte]))
                    media.wait(answer.trickle)
            else:
                self.wfile.write(answer.body)
        except OSError:  # the client gave up first (a timeout test)
            self.close_connection = True

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN. The buffered
        # reader and writer hold references to the socket: close them too, or the socket
        # stays open until the handler returns and the server shuts it down with a FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()
        self.wfile.close()
        self.connection.close()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ValueError:  # the flush after a reset answer finds the writer closed
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


# Named apart from the fixture, so that a test module can import it without its parameters
# shadowing the import (ruff F811): ``from tests.media_server import media_server_fixture``.
@pytest.fixture(name="media_server")
def media_server_fixture(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MediaServer]:
    """A running HTTPS media server that the fetcher, here and in a worker, trusts."""
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("media-server") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    settings.MEDIA_FETCH_ALLOWED_NETWORKS = [ALLOWED_NETWORKS]
    settings.MEDIA_FETCH_CA_BUNDLE = str(ca_file)
    # A worker process reads its settings from the environment it is started with.
    monkeypatch.setenv("MEDIA_FETCH_ALLOWED_NETWORKS", ALLOWED_NETWORKS)
    monkeypatch.setenv("MEDIA_FETCH_CA_BUNDLE", str(ca_file))
    server = MediaServer(ca, ca_file)
    server.start()
    try:
        yield server
    finally:
        server.stop()
