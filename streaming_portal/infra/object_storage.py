"""Media on S3-compatible object storage, read and written with boto3.

A stream or caption URL under S3_ORIGIN_URL names an object of S3_MEDIA_BUCKET: the key is the
rest of the URL. The portal never fetches such a URL over the internet: the fetcher
(streaming_portal/infra/fetch.py), and through it the media checks and the Django edge, read
the object with the portal's own credentials; the nginx edge proxies the bucket's endpoint
(deploy/nginx). ``manage.py media_upload`` puts a folder of HLS files there.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from streaming_portal.infra.origin import CONTENT_TYPES, safe_relative_path


class ObjectStorageError(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


def object_key(url: str) -> str | None:
    """The object key a URL names in the media bucket, or None if it is not in it (or names
    no plain key: the same path rule as the edges')."""
    if not (settings.S3_ORIGIN_URL and settings.S3_MEDIA_BUCKET):
        return None
    prefix = settings.S3_ORIGIN_URL.rstrip("/") + "/"
    if not url.startswith(prefix):
        return None
    return safe_relative_path(url[len(prefix) :].split("?", 1)[0])


@cache
def _client(endpoint: str, region: str, key_id: str, secret: str) -> Any:
    import boto3  # noqa: PLC0415 - only deployments with object storage load it
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=region,
        aws_access_key_id=key_id or None,
        aws_secret_access_key=secret or None,
        config=Config(
            connect_timeout=settings.MEDIA_FETCH_TIMEOUT_SECONDS,
            read_timeout=settings.MEDIA_FETCH_TIMEOUT_SECONDS,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def client() -> Any:
    return _client(
        settings.S3_ENDPOINT_URL,
        settings.S3_REGION,
        settings.S3_ACCESS_KEY_ID,
        settings.S3_SECRET_ACCESS_KEY,
    )


def object_read(key: str, *, max_bytes: int) -> tuple[bytes, str]:
    """(body, content type) of one object; ObjectStorageError if missing, too big or down."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        answer = client().get_object(Bucket=settings.S3_MEDIA_BUCKET, Key=key)
        if int(answer.get("ContentLength") or 0) > max_bytes:
            answer["Body"].close()
            raise ObjectStorageError(
                f"{key} is over the {max_bytes:,}-byte limit.", transient=False
            )
        body = answer["Body"].read(max_bytes + 1)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        missing = code in {"NoSuchKey", "404", "NoSuchBucket"}
        raise ObjectStorageError(
            f"{key} is not in the media bucket." if missing else f"Object storage refused {key}.",
            transient=not missing,
        ) from error
    except BotoCoreError as error:
        raise ObjectStorageError("Object storage did not answer.", transient=True) from error
    if len(body) > max_bytes:
        raise ObjectStorageError(f"{key} is over the {max_bytes:,}-byte limit.", transient=False)
    return body, str(answer.get("ContentType") or "application/octet-stream")


def folder_upload(folder: Path, prefix: str) -> int:
    """Upload every file under ``folder`` as ``prefix/<relative path>``; the count."""
    from boto3.exceptions import S3UploadFailedError  # noqa: PLC0415
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    uploaded = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = f"{prefix.strip('/')}/{path.relative_to(folder).as_posix()}"
        if safe_relative_path(key) is None:
            raise ObjectStorageError(f"{key} is not a plain object key.", transient=False)
        content_type = CONTENT_TYPES.get(path.suffix) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        try:
            client().upload_file(
                str(path), settings.S3_MEDIA_BUCKET, key, ExtraArgs={"ContentType": content_type}
            )
        except (BotoCoreError, ClientError, S3UploadFailedError) as error:
            raise ObjectStorageError(f"Could not upload {key}: {error}", transient=True) from error
        uploaded += 1
    return uploaded
