"""The one way the portal fetches a URL: HTTPS only, no private addresses, bounded.

Every media check (and the edge, for remote origins) goes through :func:`fetch`:

- HTTPS only, no user name or password in the address; a bounded number of redirects,
  each hop checked again.
- Before any lookup, :func:`refusal_for_url` refuses what can be refused from the address
  alone: IP literals in the ranges below (in any spelling) and ``localhost``/``.local``
  names. The catalog's URL fields run the same function when an editor or an import enters
  a URL, so an address the fetcher would refuse is refused at entry, with the same words.
- The host is resolved once, every address is checked against private, loopback,
  link-local, multicast, reserved and cloud-metadata ranges, and the connection goes to the
  checked address itself (with the host name kept for TLS and the Host header), so a DNS
  answer that changes between the check and the connection (rebinding) cannot slip through.
- Timeouts on connecting and reading, and a size cap on the body.
- URLs under LOCAL_ORIGIN_URL are read from the local origin folder (the demo's "object
  storage"), without any network; URLs under S3_ORIGIN_URL are objects of the media bucket,
  read with boto3 and the portal's credentials (streaming_portal/infra/object_storage.py).

MEDIA_FETCH_ALLOWED_NETWORKS lists networks to admit despite the rules (the tests and a
demo origin on this machine use 127.0.0.0/8); MEDIA_FETCH_CA_BUNDLE trusts an extra CA.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from streaming_portal.infra.object_storage import ObjectStorageError, object_key, object_read
from streaming_portal.infra.origin import local_file, origin_relative_path

BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, including 169.254.169.254 (cloud metadata)
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::ffff:0:0/96",  # IPv4-mapped: checked again as IPv4 below
        "64:ff9b::/96",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
        "fd00:ec2::254/128",  # AWS IMDS over IPv6
    )
)
USER_AGENT = "StreamingPortal-MediaCheck/1"


class FetchError(Exception):
    """A fetch that failed; ``transient`` says whether trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content_type: str
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8-sig", errors="replace")


# Names that never leave the machine or the local network, whatever DNS says (RFC 6761,
# RFC 6762): they are refused unless MEDIA_FETCH_ALLOWED_NETWORKS admits such addresses.
LOOPBACK_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("127.0.0.0/8", "::1/128"))
LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    )
)
# What inet_aton reads as an IPv4 address: 2130706433, 0x7f.1, 127.1 are all 127.0.0.1.
_IPV4_SPELLING = re.compile(r"[0-9a-fA-FxX.]+")


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n) for n in settings.MEDIA_FETCH_ALLOWED_NETWORKS]


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    allowed = _allowed_networks()
    if any(ip in network for network in allowed if network.version == ip.version):
        return True
    return not any(ip in network for network in BLOCKED_NETWORKS if network.version == ip.version)


def private_address_message(host: str, shown: str) -> str:
    return (
        f"The host {host} resolves to a private or reserved address ({shown}); the portal "
        "does not fetch from inside its own network."
    )


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` spells without any lookup, or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _IPV4_SPELLING.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _shown(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return f"::ffff:{ip.ipv4_mapped}"  # as getaddrinfo spells it
    return str(ip)


def _admits_any(networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    return any(
        admitted.overlaps(network)
        for admitted in _allowed_networks()
        for network in networks
        if admitted.version == network.version
    )


def refusal_for_url(url: str) -> str | None:
    """Why the fetcher refuses ``url`` from the address alone, or None if it may try.

    Pure: no DNS and no connection, so it also serves to validate a URL when it is entered.
    Checks the scheme (https only), credentials (none), the port, IP literals against the
    blocked ranges and ``localhost``/``.local`` names, all honouring
    MEDIA_FETCH_ALLOWED_NETWORKS. URLs under LOCAL_ORIGIN_URL and S3_ORIGIN_URL are always
    admitted: they are read from the local origin folder or the media bucket, not fetched. A
    name that passes may still resolve to a refused address; :func:`resolve` checks that.
    """
    if origin_relative_path(url) is not None or object_key(url) is not None:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"{url} is not a valid address (check the host and the port)."
    if parts.scheme != "https" or not parts.hostname:
        return f"Only https:// addresses are fetched, not {url}."
    if "@" in parts.netloc:
        return (
            "The address holds a user name or password (user:pass@…); the portal never sends "
            "credentials in a URL. Use a signed URL instead."
        )
    if port == 0:
        return f"{url} is not a valid address (port 0)."
    return _host_refusal(parts.hostname.rstrip("."))


def _host_refusal(host: str) -> str | None:
    ip = _ip_literal(host)
    if ip is not None:
        return None if address_allowed(str(ip)) else private_address_message(host, _shown(ip))
    if host == "localhost" or host.endswith(".localhost"):
        if not _admits_any(LOOPBACK_NETWORKS):
            return private_address_message(host, "every localhost name is loopback")
    elif host.endswith(".local") and not _admits_any(LOCAL_NETWORKS):
        return private_address_message(host, "a .local name is on the local network")
    return None


def resolve(host: str, port: int) -> str:
    """The first address of ``host``, after checking every address it resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"The host {host} could not be resolved.", transient=True) from error
    addresses = [str(info[4][0]) for info in infos]
    refused = [address for address in addresses if not address_allowed(address)]
    if refused or not addresses:
        shown = refused[0] if refused else "none"
        raise FetchError(private_address_message(host, shown), transient=False)
    return addresses[0]


@cache
def _tls_context(ca_bundle: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(ca_bundle)
    return context


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to an already-checked address, verifying TLS for the original host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(
            host, port, timeout=timeout, context=_tls_context(settings.MEDIA_FETCH_CA_BUNDLE)
        )
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch(url: str, *, max_bytes: int | None = None, timeout: float | None = None) -> FetchResult:
    """GET ``url`` under the rules above. FetchError says what went wrong and if it may pass."""
    max_bytes = max_bytes or settings.MEDIA_FETCH_MAX_BYTES
    timeout = timeout or settings.MEDIA_FETCH_TIMEOUT_SECONDS
    current = url
    started = time.monotonic()
    for _ in range(settings.MEDIA_FETCH_MAX_REDIRECTS + 1):
        stored = _from_storage(current, max_bytes)
        if stored is not None:
            return stored
        refusal = refusal_for_url(current)
        if refusal is not None:
            raise FetchError(refusal, transient=False)
        parts = urlsplit(current)
        hostname = parts.hostname or ""  # refusal_for_url has made sure there is one
        port = parts.port or 443
        address = resolve(hostname, port)
        connection = _PinnedHTTPSConnection(hostname, address, port, timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
            response = connection.getresponse()
            if response.status in {301, 302, 303, 307, 308}:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"{current} redirects nowhere.", transient=False)
                current = urljoin(current, location)
                continue
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(
                    f"{current} is {int(declared):,} bytes, over the {max_bytes:,}-byte limit.",
                    transient=False,
                )
            body = _read_within(
                current, response, max_bytes + 1, started + settings.MEDIA_FETCH_TOTAL_SECONDS
            )
        except ssl.SSLCertVerificationError as error:
            raise FetchError(
                f"The TLS certificate of {hostname} is not valid: {error.verify_message}.",
                transient=False,
            ) from error
        except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as error:
            raise FetchError(
                f"{current} did not answer properly ({type(error).__name__}).", transient=True
            ) from error
        finally:
            connection.close()
        if len(body) > max_bytes:
            raise FetchError(f"{current} is over the {max_bytes:,}-byte limit.", transient=False)
        if response.status >= 500:
            raise FetchError(f"{current} answered {response.status}.", transient=True)
        if response.status >= 400:
            raise FetchError(f"{current} answered {response.status}.", transient=False)
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        return FetchResult(current, response.status, content_type, body)
    raise FetchError(
        f"{url} redirects more than {settings.MEDIA_FETCH_MAX_REDIRECTS} times.", transient=False
    )


def _read_within(
    url: str, response: http.client.HTTPResponse, limit: int, deadline: float
) -> bytes:
    """Read up to ``limit`` bytes, giving up at ``deadline``: a per-read timeout alone lets an
    origin that trickles a byte at a time hold a check forever."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            raise FetchError(
                f"{url} did not finish sending within {settings.MEDIA_FETCH_TOTAL_SECONDS:g} s.",
                transient=True,
            )
        chunk = response.read1(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


LOCAL_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".vtt": "text/vtt",
    ".ttml": "application/ttml+xml",
    ".dfxp": "application/ttml+xml",
    ".xml": "application/xml",
    ".ts": "video/mp2t",
}


def _from_storage(url: str, max_bytes: int) -> FetchResult | None:
    """The local origin's file or the media bucket's object ``url`` names; None for the web."""
    relative = origin_relative_path(url)
    if relative is not None:
        return _local(url, relative, max_bytes)
    key = object_key(url)
    return _object(url, key, max_bytes) if key is not None else None


def _object(url: str, key: str, max_bytes: int) -> FetchResult:
    try:
        body, content_type = object_read(key, max_bytes=max_bytes)
    except ObjectStorageError as error:
        raise FetchError(error.message, transient=error.transient) from error
    return FetchResult(url, 200, content_type, body)


def _local(url: str, relative: str, max_bytes: int) -> FetchResult:
    file = local_file(relative)
    if file is None:
        raise FetchError(f"{url} is not in the local origin.", transient=False)
    if file.stat().st_size > max_bytes:
        raise FetchError(f"{url} is over the {max_bytes:,}-byte limit.", transient=False)
    return FetchResult(
        url, 200, LOCAL_TYPES.get(file.suffix, "application/octet-stream"), file.read_bytes()
    )
