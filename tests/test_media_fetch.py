"""The one safe fetcher (streaming_portal/infra/fetch.py): HTTPS only, no private addresses,
bounded.

Every test talks to a real local HTTPS server (tests/media_server.py) or to nothing at all.
Inside streaming_portal.infra.fetch, the socket module is replaced by a :class:`Resolver`
that scripts DNS answers for a few ``.test`` names, resolves only IP literals and "localhost"
for real, records every lookup and connection, and refuses to connect anywhere outside
127.0.0.0/8, so that a broken rule fails a test instead of reaching the network.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

import pytest

from streaming_portal.infra import fetch as fetch_module
from streaming_portal.infra.fetch import FetchError, fetch
from tests.media_server import Answer, MediaServer, media_server_fixture  # noqa: F401

PLAYLIST = "#EXTM3U\n#EXT-X-ENDLIST\n"
M3U8 = "application/vnd.apple.mpegurl"


class Resolver:
    """Stands in for the socket module inside streaming_portal.infra.fetch only."""

    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []
        self.connections: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(socket, name)

    def script(self, host: str, *answers: list[str]) -> None:
        """``host`` resolves to each answer in turn (the last one from then on)."""
        self.answers[host] = list(answers)

    def getaddrinfo(self, host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        self.lookups.append(host)
        if host in self.answers:
            queue = self.answers[host]
            addresses = queue.pop(0) if len(queue) > 1 else queue[0]
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    socket.IPPROTO_TCP,
                    "",
                    (address, port),
                )
                for address in addresses
            ]
        if host == "localhost":
            return socket.getaddrinfo(host, port, *args, **kwargs)
        # IP literals in any spelling (2130706433, 0x7f.1) resolve without DNS; names do not.
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)

    def create_connection(self, address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        self.connections.append(address)
        try:
            loopback = ipaddress.ip_address(address[0]) in ipaddress.ip_network("127.0.0.0/8")
        except ValueError:  # a host name: the fetcher should connect to a checked address
            loopback = False
        if not loopback:
            raise ConnectionRefusedError(f"the test resolver refuses {address}")
        return socket.create_connection(address, *args, **kwargs)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    spy = Resolver()
    monkeypatch.setattr(fetch_module, "socket", spy)
    return spy


def refusal(url: str) -> FetchError:
    with pytest.raises(FetchError) as raised:
        fetch(url)
    return raised.value


# --- Schemes and addresses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://localhost/master.m3u8",
        "file:///etc/passwd",
        "//localhost/master.m3u8",
    ],
)
def test_it_refuses_anything_but_https(resolver: Resolver, url: str) -> None:
    error = refusal(url)

    assert error.transient is False
    assert error.message == f"Only https:// addresses are fetched, not {url}."
    assert resolver.connections == []


def test_it_refuses_plain_http_to_a_server_it_would_otherwise_reach(
    media_server: MediaServer, resolver: Resolver
) -> None:
    media_server.add("/master.m3u8", PLAYLIST, content_type=M3U8)

    error = refusal(media_server.url("/master.m3u8").replace("https://", "http://"))

    assert error.transient is False
    assert resolver.connections == []
    assert media_server.requests == []


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://169.254.169.254/latest/meta-data/iam/", "169.254.169.254"),
        ("https://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"),
        ("https://10.0.0.1/master.m3u8", "10.0.0.1"),
        ("https://172.16.4.2/master.m3u8", "172.16.4.2"),
        ("https://192.168.1.20/master.m3u8", "192.168.1.20"),
        ("https://100.64.0.7/master.m3u8", "100.64.0.7"),
        ("https://127.0.0.1/master.m3u8", "127.0.0.1"),
        ("https://0.0.0.0/master.m3u8", "0.0.0.0"),  # noqa: S104 - the address under test
        ("https://[::1]/master.m3u8", "::1"),
        ("https://[::ffff:127.0.0.1]/master.m3u8", "::ffff:127.0.0.1"),
        ("https://[::ffff:a9fe:a9fe]/latest/meta-data/", "::ffff:169.254.169.254"),
        ("https://[fe80::1]/master.m3u8", "fe80::1"),
        ("https://2130706433/master.m3u8", "127.0.0.1"),  # 127.0.0.1 as one number
        ("https://0x7f.1/master.m3u8", "127.0.0.1"),
    ],
)
def test_it_refuses_private_loopback_link_local_and_metadata_addresses(
    settings: Any, resolver: Resolver, url: str, address: str
) -> None:
    settings.MEDIA_FETCH_ALLOWED_NETWORKS = []

    error = refusal(url)

    assert error.transient is False
    assert "resolves to a private or reserved address" in error.message
    assert f"({address})" in error.message
    assert resolver.connections == []


def test_it_refuses_a_host_name_that_resolves_to_loopback(
    media_server: MediaServer, resolver: Resolver, settings: Any
) -> None:
    media_server.add("/master.m3u8", PLAYLIST, content_type=M3U8)
    settings.MEDIA_FETCH_ALLOWED_NETWORKS = []

    error = refusal(media_server.url("/master.m3u8"))

    assert error.transient is False
    assert error.message.startswith("The host localhost resolves to a private or reserved")
    assert media_server.requests == []


def test_it_refuses_a_host_with_any_private_address_among_public_ones(
    resolver: Resolver, settings: Any
) -> None:
    settings.MEDIA_FETCH_ALLOWED_NETWORKS = []
    resolver.script("cdn.example.test", ["93.184.215.14", "10.0.0.1"])

    error = refusal("https://cdn.example.test/master.m3u8")

    assert error.transient is False
    assert "(10.0.0.1)" in error.message
    assert resolver.connections == []


def test_it_fetches_from_a_network_the_settings_admit(media_server: MediaServer) -> None:
    media_server.add("/master.m3u8", PLAYLIST, content_type=M3U8)

    result = fetch(media_server.url("/master.m3u8"))

    assert (result.status, result.content_type, result.body) == (200, M3U8, PLAYLIST.encode())


# --- DNS rebinding -----------------------------------------------------------------------------


def test_it_connects_to_the_address_it_checked_when_dns_changes_its_answer(
    media_server: MediaServer, resolver: Resolver
) -> None:
    # The first answer is admitted (the test server); a second lookup would get the
    # metadata service. The fetcher must look up once and connect to what it checked.
    resolver.script("media.example.test", ["127.0.0.1"], ["169.254.169.254"])
    media_server.add("/master.m3u8", PLAYLIST, content_type=M3U8)

    result = fetch(media_server.url("/master.m3u8", host="media.example.test"))

    assert result.body == PLAYLIST.encode()
    assert resolver.lookups == ["media.example.test"]
    assert resolver.connections == [("127.0.0.1", media_server.port)]


def test_it_keeps_the_host_name_for_tls_and_the_host_header_on_the_checked_address(
    media_server: MediaServer, resolver: Resolver
) -> None:
    resolver.script("media.example.test", ["127.0.0.1"])
    media_server.add("/master.m3u8", PLAYLIST, content_type=M3U8)

    fetch(media_server.url("/master.m3u8", host="media.example.test"))

    assert media_server.hosts == [f"media.example.test:{media_server.port}"]


def test_it_refuses_a_certificate_issued_for_another_name_than_the_host(
    media_server: MediaServer, resolver: Resolver
) -> None:
    # The same server and address, but the certificate does not name this host: TLS must
    # be verified against the host name, not the pinned address.
    resolver.script("other.example.test", ["127.0.0.1"])
    media_server.add("/master.m3u8", PLAYLIST, content_type=M3U8)

    error = refusal(media_server.url("/master.m3u8", host="other.example.test"))

    assert error.transient is False
    assert error.message.startswith("The TLS certificate of other.example.test is not valid:")
    assert media_server.requests == []


# --- Redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://10.0.0.1/master.m3u8",
        "https://cdn.example.test/master.m3u8",  # a public-looking name for 10.0.0.1
    ],
)
def test_it_refuses_a_redirect_that_lands_on_a_private_address(
    media_server: MediaServer, resolver: Resolver, target: str
) -> None:
    resolver.script("cdn.example.test", ["10.0.0.1"])
    url = media_server.redirect("/master.m3u8", target)

    error = refusal(url)

    assert error.transient is False
    assert "resolves to a private or reserved address" in error.message
    assert resolver.connections == [("127.0.0.1", media_server.port)]  # the first hop only
    assert media_server.requests == ["/master.m3u8"]


def test_it_refuses_a_redirect_to_plain_http(media_server: MediaServer, resolver: Resolver) -> None:
    media_server.add("/real.m3u8", PLAYLIST, content_type=M3U8)
    url = media_server.redirect("/master.m3u8", f"http://localhost:{media_server.port}/real.m3u8")

    error = refusal(url)

    assert error.transient is False
    assert error.message.startswith("Only https:// addresses are fetched")
    assert media_server.requests == ["/master.m3u8"]


def test_it_follows_redirects_up_to_the_limit(media_server: MediaServer, settings: Any) -> None:
    settings.MEDIA_FETCH_MAX_REDIRECTS = 3
    for hop in range(3):
        media_server.redirect(f"/hop{hop}.m3u8", f"/hop{hop + 1}.m3u8")
    media_server.add("/hop3.m3u8", PLAYLIST, content_type=M3U8)

    result = fetch(media_server.url("/hop0.m3u8"))

    assert result.url == media_server.url("/hop3.m3u8")
    assert result.body == PLAYLIST.encode()


def test_it_refuses_one_redirect_more_than_the_limit(
    media_server: MediaServer, settings: Any
) -> None:
    settings.MEDIA_FETCH_MAX_REDIRECTS = 3
    for hop in range(4):
        media_server.redirect(f"/hop{hop}.m3u8", f"/hop{hop + 1}.m3u8")
    media_server.add("/hop4.m3u8", PLAYLIST, content_type=M3U8)
    url = media_server.url("/hop0.m3u8")

    error = refusal(url)

    assert error.transient is False
    assert error.message == f"{url} redirects more than 3 times."
    assert media_server.hits("/hop4.m3u8") == 0


def test_it_refuses_a_redirect_without_a_location(media_server: MediaServer) -> None:
    url = media_server.add("/master.m3u8", Answer(status=302))

    error = refusal(url)

    assert (error.transient, error.message) == (False, f"{url} redirects nowhere.")


# --- Size and time -----------------------------------------------------------------------------


def test_it_refuses_a_declared_length_over_the_cap(
    media_server: MediaServer, settings: Any
) -> None:
    settings.MEDIA_FETCH_MAX_BYTES = 1_000
    url = media_server.add("/big.m3u8", b"#" * 5_000, content_type=M3U8)

    error = refusal(url)

    assert error.transient is False
    assert error.message == f"{url} is 5,000 bytes, over the 1,000-byte limit."


def test_it_stops_reading_an_undeclared_body_past_the_cap(
    media_server: MediaServer, settings: Any
) -> None:
    settings.MEDIA_FETCH_MAX_BYTES = 1_000
    url = media_server.add("/big.m3u8", Answer(body=b"#" * 50_000, declare_length=False))

    error = refusal(url)

    assert error.transient is False
    assert error.message == f"{url} is over the 1,000-byte limit."


def test_it_reads_a_body_of_exactly_the_cap(media_server: MediaServer, settings: Any) -> None:
    settings.MEDIA_FETCH_MAX_BYTES = 1_000
    url = media_server.add("/full.m3u8", Answer(body=b"#" * 1_000, declare_length=False))

    assert len(fetch(url).body) == 1_000


def test_it_gives_up_on_a_server_that_does_not_answer_in_time(
    media_server: MediaServer, settings: Any
) -> None:
    settings.MEDIA_FETCH_TIMEOUT_SECONDS = 0.3
    url = media_server.slow("/slow.m3u8", seconds=5)

    error = refusal(url)

    assert error.transient is True
    assert error.message == f"{url} did not answer properly (TimeoutError)."


def test_it_gives_up_on_a_body_that_trickles_in_for_longer_than_the_timeout(
    media_server: MediaServer, settings: Any
) -> None:
    # Every byte arrives within the timeout, but the whole answer takes four times as long:
    # a per-read timeout alone would let a hostile origin hold a check for as long as it likes.
    # MEDIA_FETCH_TOTAL_SECONDS bounds the whole fetch.
    settings.MEDIA_FETCH_TIMEOUT_SECONDS = 0.3
    settings.MEDIA_FETCH_TOTAL_SECONDS = 0.6
    url = media_server.add("/slow.m3u8", Answer(body=b"#EXTM3U\n" + b"#" * 12, trickle=0.1))

    error = refusal(url)

    assert error.transient is True


# --- Answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_it_calls_a_server_error_transient(media_server: MediaServer, status: int) -> None:
    url = media_server.add("/master.m3u8", Answer(status=status))

    error = refusal(url)

    assert (error.transient, error.message) == (True, f"{url} answered {status}.")


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_it_calls_a_client_error_permanent(media_server: MediaServer, status: int) -> None:
    url = media_server.add("/master.m3u8", Answer(status=status))

    error = refusal(url)

    assert (error.transient, error.message) == (False, f"{url} answered {status}.")


def test_it_calls_a_connection_dropped_without_an_answer_transient(
    media_server: MediaServer,
) -> None:
    url = media_server.reset("/master.m3u8")

    error = refusal(url)

    assert error.transient is True
    assert error.message.startswith(f"{url} did not answer properly (")
    assert media_server.hits("/master.m3u8") == 1


def test_it_calls_a_refused_connection_transient(media_server: MediaServer) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"https://localhost:{port}/master.m3u8"  # nothing listens there now

    error = refusal(url)

    assert error.transient is True
    assert error.message == f"{url} did not answer properly (ConnectionRefusedError)."


def test_it_refuses_a_certificate_from_a_ca_it_does_not_trust(
    media_server: MediaServer, settings: Any
) -> None:
    settings.MEDIA_FETCH_CA_BUNDLE = ""
    url = media_server.add("/master.m3u8", PLAYLIST, content_type=M3U8)

    error = refusal(url)

    assert error.transient is False
    assert error.message == (
        "The TLS certificate of localhost is not valid: unable to get local issuer certificate."
    )
    assert media_server.requests == []


# --- The local origin --------------------------------------------------------------------------


@pytest.fixture
def local_origin(settings: Any, tmp_path: Path) -> Path:
    origin = tmp_path / "origin"
    (origin / "feature").mkdir(parents=True)
    (origin / "feature" / "master.m3u8").write_text(PLAYLIST)
    (tmp_path / "secret.m3u8").write_text("#EXTM3U\n# not for the fetcher\n")
    settings.LOCAL_ORIGIN_ROOT = origin
    settings.LOCAL_ORIGIN_URL = "https://origin.portal.localhost/"
    return origin


def test_it_reads_a_local_origin_url_from_the_folder_without_network(
    local_origin: Path, resolver: Resolver
) -> None:
    result = fetch("https://origin.portal.localhost/feature/master.m3u8?token=abc")

    assert (result.status, result.content_type, result.body) == (200, M3U8, PLAYLIST.encode())
    assert resolver.lookups == []
    assert resolver.connections == []


@pytest.mark.parametrize(
    "path", ["../secret.m3u8", "feature/../../secret.m3u8", "feature/missing.m3u8"]
)
def test_it_refuses_a_local_origin_path_outside_the_folder_or_missing(
    local_origin: Path, resolver: Resolver, path: str
) -> None:
    url = f"https://origin.portal.localhost/{path}"

    error = refusal(url)

    assert (error.transient, error.message) == (False, f"{url} is not in the local origin.")
    assert resolver.connections == []


def test_it_refuses_an_absolute_path_in_a_local_origin_url(local_origin: Path) -> None:
    url = f"https://origin.portal.localhost/{local_origin.parent / 'secret.m3u8'}"

    error = refusal(url)

    assert (error.transient, error.message) == (False, f"{url} is not in the local origin.")


def test_it_applies_the_size_cap_to_local_origin_files(local_origin: Path, settings: Any) -> None:
    settings.MEDIA_FETCH_MAX_BYTES = 10
    url = "https://origin.portal.localhost/feature/master.m3u8"

    error = refusal(url)

    assert (error.transient, error.message) == (False, f"{url} is over the 10-byte limit.")


def test_it_follows_a_redirect_into_the_local_origin_without_network(
    media_server: MediaServer, local_origin: Path, resolver: Resolver
) -> None:
    url = media_server.redirect(
        "/master.m3u8", "https://origin.portal.localhost/feature/master.m3u8"
    )

    result = fetch(url)

    assert result.body == PLAYLIST.encode()
    assert resolver.connections == [("127.0.0.1", media_server.port)]
