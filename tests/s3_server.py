"""A local S3-compatible server (moto's server mode, its own process) for the object-storage
tests: the real HTTP API that boto3 and the nginx edge speak, on a loopback port."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bench.environment import free_port
from deploy.nginx_edge import wait_for_port

BUCKET = "media"
ORIGIN_URL = "https://media.portal.example/media/"


@dataclass(frozen=True)
class S3Server:
    endpoint: str


@pytest.fixture(scope="session")
def s3_process() -> Iterator[S3Server]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - moto's own server, our interpreter
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, seconds=30)
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3(s3_process: S3Server, settings: pytest.FixtureRequest) -> S3Server:
    """The media bucket, empty, with the portal's settings pointing at it."""
    from streaming_portal.infra import object_storage  # noqa: PLC0415

    settings.S3_ORIGIN_URL = ORIGIN_URL  # type: ignore[attr-defined]
    settings.S3_MEDIA_BUCKET = BUCKET  # type: ignore[attr-defined]
    settings.S3_ENDPOINT_URL = s3_process.endpoint  # type: ignore[attr-defined]
    settings.S3_ACCESS_KEY_ID = "testing"  # type: ignore[attr-defined]
    settings.S3_SECRET_ACCESS_KEY = "testing"  # type: ignore[attr-defined]
    client = object_storage.client()
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET in existing:
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    else:
        client.create_bucket(Bucket=BUCKET)
    return s3_process
