"""Media on S3-compatible object storage: uploaded with boto3, read by the media checks and
the Django edge through the portal's credentials, proxied and cached by the nginx edge;
all against a real S3 server process (moto's server mode, tests/s3_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from deploy.nginx_edge import MISSING, nginx_binary
from playback import grants
from streaming_portal.infra.fetch import FetchError, fetch
from streaming_portal.infra.object_storage import object_key
from tests.cast import Household, demo_household_create
from tests.edges import Edge, NginxEdge, edge_running
from tests.factories import MovieFactory, StreamSourceFactory
from tests.s3_server import ORIGIN_URL, S3Server

PLAYLIST = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:4.0,\nlow/seg0.ts\n#EXT-X-ENDLIST\n"
SEGMENT = bytes([0x47]) + bytes(range(187)) * 3

NEEDS_NGINX = pytest.mark.skipif(nginx_binary() is None, reason=MISSING)
pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def household(transactional_db: None) -> Household:
    return demo_household_create()


@pytest.fixture
def hls_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "upload"
    (folder / "low").mkdir(parents=True)
    (folder / "master.m3u8").write_bytes(PLAYLIST)
    (folder / "low" / "seg0.ts").write_bytes(SEGMENT)
    return folder


def test_it_uploads_a_folder_and_prints_the_stream_url(
    s3: S3Server, hls_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("media_upload", str(hls_folder), "vod/quiet")

    output = capsys.readouterr().out
    assert "Uploaded 2 file(s) to vod/quiet/" in output
    assert f"Stream URL: {ORIGIN_URL}vod/quiet/master.m3u8" in output
    assert fetch(f"{ORIGIN_URL}vod/quiet/low/seg0.ts").body == SEGMENT


def test_the_media_checks_read_the_bucket_not_the_internet(s3: S3Server, hls_folder: Path) -> None:
    call_command("media_upload", str(hls_folder), "vod/quiet")

    fetched = fetch(f"{ORIGIN_URL}vod/quiet/master.m3u8")

    assert (fetched.status, fetched.body) == (200, PLAYLIST)
    assert fetched.content_type == "application/vnd.apple.mpegurl"


def test_a_missing_object_is_a_lasting_failure(s3: S3Server) -> None:
    with pytest.raises(FetchError) as failed:
        fetch(f"{ORIGIN_URL}vod/none/master.m3u8")

    assert failed.value.transient is False
    assert "not in the media bucket" in failed.value.message


def test_an_unreachable_bucket_is_a_passing_failure(s3: S3Server, settings: Settings) -> None:
    settings.S3_ENDPOINT_URL = "http://127.0.0.1:9"
    settings.MEDIA_FETCH_TIMEOUT_SECONDS = 1.0

    with pytest.raises(FetchError) as failed:
        fetch(f"{ORIGIN_URL}vod/quiet/master.m3u8")

    assert failed.value.transient is True


@pytest.mark.parametrize(
    "url",
    [
        f"{ORIGIN_URL}../secret",
        f"{ORIGIN_URL}vod//x.ts",
        f"{ORIGIN_URL}%2e%2e/x",
        "https://media.portal.example/other-bucket/x.ts",
    ],
)
def test_it_names_no_object_outside_the_bucket(s3: S3Server, url: str) -> None:
    assert object_key(url) is None


# --- Both edges serve a stream that lives in the bucket ---------------------------------------


@pytest.fixture(params=["django", pytest.param("nginx", marks=NEEDS_NGINX)])
def edge(
    request: pytest.FixtureRequest, s3: S3Server, tmp_path: Path, settings: Settings
) -> Iterator[Edge]:
    yield from edge_running(request.param, request, tmp_path / "edge", settings)


def test_both_edges_serve_a_stream_from_the_bucket(
    edge: Edge, s3: S3Server, hls_folder: Path, viewer: Client, settings: Settings
) -> None:
    call_command("media_upload", str(hls_folder), "vod/quiet")
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(video=movie.video, stream_url=f"{ORIGIN_URL}vod/quiet/master.m3u8")
    started = viewer.post(
        reverse("playback:start", args=[movie.pk]), "{}", content_type="application/json"
    )
    assert started.status_code == 201, started.content
    session_id = started.json()["session_id"]
    signin = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    grant = grants.parse(viewer.cookies[grants.GRANT_COOKIE].value, signin_key=signin)
    assert grant is not None
    assert (grant.origin, grant.master) == ("s3", "vod/quiet/master.m3u8")

    playlist = edge.get(viewer, session_id, "master.m3u8")
    segment = edge.get(viewer, session_id, "low/seg0.ts")
    again = edge.get(viewer, session_id, "low/seg0.ts")
    missing = edge.get(viewer, session_id, "low/seg9.ts")

    assert (playlist.status, playlist.body) == (200, PLAYLIST)
    assert (segment.status, segment.body) == (200, SEGMENT)
    assert again.body == SEGMENT
    assert missing.status in {404, 502}
    assert "x-amz-request-id" not in {name.lower() for name in segment.headers}


# --- The nginx edge signs its requests to the bucket as AWS does ------------------------------


@pytest.mark.skipif(nginx_binary() is None, reason=MISSING)
def test_the_nginx_edge_signs_bucket_requests_as_botocore_would(
    s3: S3Server, hls_folder: Path, viewer: Client, settings: Settings, tmp_path: Path
) -> None:
    """A stand-in bucket records the edge's request; botocore's own SigV4 signer, given the
    same date, must produce the same Authorization header (moto itself does not check it)."""
    import http.server  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from botocore.auth import S3SigV4Auth  # noqa: PLC0415
    from botocore.awsrequest import AWSRequest  # noqa: PLC0415
    from botocore.credentials import Credentials  # noqa: PLC0415

    seen: list[dict[str, str]] = []

    class Bucket(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            body = PLAYLIST
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.apple.mpegurl")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Bucket)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.S3_ENDPOINT_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.S3_ACCESS_KEY_ID, settings.S3_SECRET_ACCESS_KEY = "AKIDEXAMPLE", "edge-secret"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    movie = MovieFactory.create(media=False)
    StreamSourceFactory.create(video=movie.video, stream_url=f"{ORIGIN_URL}vod/q+1/master.m3u8")
    started = viewer.post(
        reverse("playback:start", args=[movie.pk]), "{}", content_type="application/json"
    )
    edge = NginxEdge(tmp_path / "edge", 1)
    edge.start()
    try:
        answer = edge.get(viewer, started.json()["session_id"], "master.m3u8")
    finally:
        edge.stop()
        server.shutdown()

    assert (answer.status, answer.body) == (200, PLAYLIST)
    (request,) = seen
    assert request["path"] == "/media/vod/q+1/master.m3u8"
    assert "cookie" not in request
    expected = AWSRequest(
        method="GET",
        url=f"{settings.S3_ENDPOINT_URL}/media/vod/q%2B1/master.m3u8",
        headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "X-Amz-Date": request["x-amz-date"]},
    )
    expected.context["timestamp"] = request["x-amz-date"]  # the time the edge signed at
    signer = S3SigV4Auth(Credentials("AKIDEXAMPLE", "edge-secret"), "s3", settings.S3_REGION)
    signature = signer.signature(
        signer.string_to_sign(expected, signer.canonical_request(expected)), expected
    )
    day = request["x-amz-date"][:8]
    assert request["authorization"] == (
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{day}/{settings.S3_REGION}/s3/aws4_request, "
        f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}"
    )
